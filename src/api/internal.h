#pragma once
// Library internals shared by the src/api files: options -> module settings, public <-> internal
// tables, progress plumbing. Not installed.
#include <string>

#include "common/csv.h"
#include "experiment/run.h"
#include "llm/cache/caching_backend.h"
#include "sceval/model.h"
#include "sceval/options.h"
#include "sceval/run.h"
#include "sceval/table.h"
#include "sceval/task.h"
#include "grid/grid.h"
#include "task/task.h"

namespace sceval::api {

// What only the library reaches behind its public handles: a task's loaded form and grid, a
// model's engine.
struct Access {
  static const task::Task& task(const Task& t) { return t.internal(); }
  static const grid::Grid& grid(const Task& t) { return t.internal_grid(); }
  static llm::Backend& backend(Model& m) { return m.backend(); }
  static const text::TextTask* text(const Task& t) { return t.internal_text(); }
};
inline const text::TextTask* text_of(const Task& t) { return Access::text(t); }
inline const task::Task& task_of(const Task& t) { return Access::task(t); }
inline const grid::Grid& grid_of(const Task& t) { return Access::grid(t); }
inline llm::Backend& backend_of(Model& m) { return Access::backend(m); }

// The run's settings from the option table: task spec and model spec (secrets removed) recorded
// beside every recorded option's value; the task's stop strings too (sent with every request).
experiment::RunSettings run_settings(const task::Task& t, const std::string& task_spec, const std::string& model_spec,
                                     const Options& o, const std::string& out);
llm::CachingOptions caching_options(const Options& o);
task::DistanceKind distance_or_task(const task::Task& t, const std::string& given, const std::string& where);

// A caller's table with its shape checked (every row one cell per column; rows numbered as in a
// file when built in code), so `score` and `closest` name a bad row's real line.
Table checked(Table t);

// Progress of a call through `cached` to the caller's callbacks (cache hits and failures counted
// by the cache). `cached` must outlive the returned function.
experiment::Progress progress_for(const Callbacks& cb, llm::CachingBackend& cached);

// A RunResult from a finished run's output (tables parsed back from the texts written).
RunResult result_from(const experiment::RunOutput& out, const experiment::RunReport& r);

}  // namespace sceval::api
