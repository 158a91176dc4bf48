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
#include "experiment/run.h"
#include "experiment/sweep.h"
#include "llm/cache/response_cache.h"
#include "llm/http/model_spec.h"
#include "results/results_json.h"
#include "sceval/experiments.h"

namespace sceval {
namespace {

using api::SweepConfig;

struct PlannedCell {
  std::string name, dir;
  const api::SweepModel* model;
  const Task* task;
  Options options;
  experiment::RunSettings settings;
};

// A model spec as far as it can be checked without loading or asking the model: an HTTP spec and
// its settings parse; a gguf: file exists in a build that can run it (not needed for the summary).
void check_model_spec(const std::string& spec, bool will_run) {
  if (llm::is_http_model_spec(spec)) {
    const auto parsed = llm::parse_model_spec(spec);
    if (parsed.provider == "anthropic")
      llm::anthropic_options(parsed);
    else
      llm::openai_options(parsed);
  } else if (spec.starts_with("gguf:")) {
    if (!will_run) return;
#ifndef SCEVAL_WITH_LLAMA
    throw Error("this sceval was built without llama.cpp (SCEVAL_WITH_LLAMA=OFF): gguf: models are unavailable");
#endif
    require_regular_file(spec.substr(5), "gguf model file");
  } else {
    throw Error(fmt::format("unknown model spec \"{}\": expected gguf:PATH, openai:MODEL@BASE_URL or anthropic:MODEL",
                            llm::spec_without_secrets(spec)));
  }
}

// Where model i's response cache comes from, for errors.
std::string cache_field(const SweepConfig& c, std::size_t i, const SweepOptions& o) {
  if (!o.cache.empty()) return "--cache";
  if (c.models[i].settings.contains("cache")) return fmt::format("models[{}].settings.cache", i);
  if (c.settings.contains("cache")) return "settings.cache";
  return "the default response cache";
}

// Every cell of the config, by name (every shard's: a config that fails, fails in every array task at
// once): each model's spec and options, each cell's settings. Nothing is written or loaded.
std::map<std::string, PlannedCell> plan_sweep(const SweepConfig& c, const std::vector<experiment::Cell>& cells,
                                              const std::map<std::string, Task>& tasks, const std::string& out,
                                              const SweepOptions& o, const std::string& path) {
  std::map<std::string, Options> options;
  for (std::size_t i = 0; i < c.models.size(); ++i) {
    const api::SweepModel& m = c.models[i];
    try {
      check_model_spec(m.spec, !o.summary_only);
    } catch (const Error& e) {
      throw Error(fmt::format("{}: models[{}]: {}", path, i, e.what()));
    }
    options.emplace(m.alias, api::cell_options(c, m, o.cache, path));
    const Options& opts = options.at(m.alias);
    if (!o.summary_only && !opts.no_cache)
      api::check_cell_cache(opts.cache.value_or("").empty() ? llm::default_cache_path() : *opts.cache,
                            cache_field(c, i, o), path);
  }
  std::map<std::string, PlannedCell> plan;
  for (const auto& cell : cells) {
    const api::SweepModel* m = &*std::find_if(c.models.begin(), c.models.end(),
                                              [&](const api::SweepModel& e) { return e.alias == cell.model; });
    const Task& t = tasks.at(cell.task.spec);
    api::check_cell_folder(cell.name(), path);
    const std::string dir = experiment::cell_dir(out, cell);  // refuses names that would leave `out`
    const Options& opts = options.at(m->alias);
    auto s = api::run_settings(api::task_of(t), cell.task.spec, llm::spec_without_secrets(m->spec), opts, dir);
    if (!api::text_of(t)) experiment::check_run(api::task_of(t), api::grid_of(t), s);  // e.g. a grid too large
    plan.emplace(cell.name(), PlannedCell{cell.name(), dir, m, &t, opts, std::move(s)});
  }
  return plan;
}

}  // namespace

SweepReport sweep(const std::string& config_path, const std::string& out, const SweepOptions& o, const Callbacks& cb,
                  const SweepHooks& hooks) {
  const SweepConfig c = api::parse_sweep_config(read_file_text(config_path, "sweep config"), config_path);
  // --shard auto reads the array task's index (Slurm, Kubernetes); the summary step needs no shard.
  const auto shard = o.summary_only ? experiment::Shard{} : experiment::resolve_shard(o.shard, o.shards);
  std::vector<std::string> aliases;
  for (const auto& m : c.models) aliases.push_back(m.alias);
  const auto all = experiment::cells(aliases, c.tasks);
  std::map<std::string, Task> tasks;
  for (const auto& t : c.tasks) tasks.emplace(t.spec, Task::load(t.spec));
  const auto plan = plan_sweep(c, all, tasks, out, o, config_path);
  std::vector<const PlannedCell*> mine;
  for (const auto& cell : experiment::shard_cells(all, shard)) mine.push_back(&plan.at(cell.name()));
  experiment::NewFolders made(out);       // removed again if the sweep fails with no cell written
  ensure_directory(out, "sweep folder");  // only now: a refused config leaves nothing behind
  SweepReport rep;
  rep.cells = mine.size();
  if (!o.summary_only) {
    std::map<std::string, Model> loaded;  // one model at a time, loaded on first use
    for (std::size_t k = 0; k < mine.size(); ++k) {
      const PlannedCell& p = *mine[k];
      if (experiment::cell_finished(p.dir, p.settings.to_json(), p.settings.model)) {
        ++rep.skipped;
        continue;
      }
      if (hooks.before_cell) hooks.before_cell(k, mine.size(), p.name);
      if (!loaded.contains(p.model->alias)) {
        loaded.clear();
        loaded.emplace(p.model->alias, Model::open(p.model->spec, p.options, cb.log));
      }
      // The config says what each cell holds: a cell whose settings were edited in it is run again
      // and replaces the cell's earlier run (its answers stay in the response cache).
      Options cell = p.options;
      cell.overwrite = true;
      RunResult r = run(*p.task, loaded.at(p.model->alias), cell, p.dir, cb);
      ++rep.ran;
      if (r.failed_requests) rep.incomplete.push_back(fmt::format("{} ({} failed)", p.name, r.failed_requests));
      if (hooks.after_cell) hooks.after_cell(p.name, r);
    }
  }
  made.keep();
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
