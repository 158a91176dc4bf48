// Sweeps: the driver (one run per model x task cell, skipping finished cells) and the summary; the
// config reader is sweep_config.cpp. See docs/sweeps.md.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "api/internal.h"
#include "api/sweep_config.h"
#include "common/error.h"
#include "common/file.h"
#include "experiment/sweep.h"
#include "llm/http/model_spec.h"
#include "results/results_json.h"
#include "sceval/experiments.h"

namespace sceval {
namespace {

using api::SweepConfig;

struct PlannedCell {
  std::string name, dir;
  const api::SweepModel* model;
  Task task;
  Options options;
  experiment::RunSettings settings;
};

}  // namespace

SweepReport sweep(const std::string& config_path, const std::string& out, const SweepOptions& o, const Callbacks& cb,
                  const SweepHooks& hooks) {
  const SweepConfig c = api::parse_sweep_config(read_file_text(config_path, "sweep config"), config_path);
  // --shard auto reads the array task's index (Slurm, Kubernetes); the summary step needs no shard.
  const auto shard = o.summary_only ? experiment::Shard{} : experiment::resolve_shard(o.shard, o.shards);
  std::vector<std::string> aliases;
  for (const auto& m : c.models) aliases.push_back(m.alias);
  const auto mine = experiment::shard_cells(experiment::cells(aliases, c.tasks), shard);
  ensure_directory(out, "sweep folder");
  SweepReport rep;
  rep.cells = mine.size();
  if (!o.summary_only) {
    // Every cell's options are checked before any model is loaded.
    std::vector<PlannedCell> plan;
    for (const auto& cell : mine) {
      const api::SweepModel* m = &*std::find_if(c.models.begin(), c.models.end(), [&](const api::SweepModel& e) { return e.alias == cell.model; });
      Options opts = api::cell_options(c, *m, o.cache, config_path);
      Task t = Task::load(cell.task.spec);
      const std::string dir = experiment::cell_dir(out, cell);  // refuses names that would leave `out`
      auto s = api::run_settings(t.internal(), cell.task.spec, llm::spec_without_secrets(m->spec), opts, dir);
      plan.push_back({cell.name(), dir, m, std::move(t), std::move(opts), std::move(s)});
    }
    std::map<std::string, Model> loaded;  // one model at a time, loaded on first use
    for (std::size_t k = 0; k < plan.size(); ++k) {
      const auto& p = plan[k];
      if (experiment::cell_finished(p.dir, p.settings.to_json(), p.settings.model)) {
        ++rep.skipped;
        continue;
      }
      if (hooks.before_cell) hooks.before_cell(k, plan.size(), p.name);
      if (!loaded.contains(p.model->alias)) {
        loaded.clear();
        loaded.emplace(p.model->alias, Model::open(p.model->spec, p.options, cb.log));
      }
      RunResult r = run(p.task, loaded.at(p.model->alias), p.options, p.dir, cb);
      ++rep.ran;
      if (r.failed_requests) rep.incomplete.push_back(fmt::format("{} ({} failed)", p.name, r.failed_requests));
      if (hooks.after_cell) hooks.after_cell(p.name, r);
    }
  }
  rep.summary_rows = experiment::write_summary(out);
  rep.summary_markdown = read_file_text(out + "/summary.md");
  return rep;
}

Table load_sweep(const std::string& dir) { return Table::read_csv(dir + "/summary.csv"); }

std::vector<std::string> expand_tasks(const std::vector<std::string>& patterns, const std::string& where) {
  std::vector<std::string> out;
  for (const auto& t : experiment::expand_tasks(patterns, where)) out.push_back(t.spec);
  return out;
}

}  // namespace sceval
