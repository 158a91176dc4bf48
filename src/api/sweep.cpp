// Sweeps: the config reader and the driver (one run per model x task cell, skipping finished
// cells), and the summary. See docs/sweeps.md.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "api/internal.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "experiment/sweep.h"
#include "llm/http/model_spec.h"
#include "results/results_json.h"
#include "sceval/experiments.h"

namespace sceval {
namespace {

struct ModelEntry {
  std::string alias, spec;
  nlohmann::json settings = nlohmann::json::object();
};

struct SweepConfig {
  std::vector<ModelEntry> models;
  std::vector<experiment::TaskRef> tasks;
  nlohmann::json settings = nlohmann::json::object();
};

void require_keys(const nlohmann::json& j, std::initializer_list<const char*> allowed, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
  for (const auto& [k, v] : j.items())
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }) == allowed.end())
      throw Error(fmt::format("{}: unknown field \"{}\"", where, k));
}

// Letters, digits, '.', '-', '_' (starting with a letter or digit), and no "__": cell names split there.
bool good_alias(const std::string& a) {
  auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'; };
  return !a.empty() && std::isalnum(static_cast<unsigned char>(a[0])) && std::all_of(a.begin(), a.end(), ok) &&
         a.find("__") == std::string::npos;
}

ModelEntry read_model(const nlohmann::json& m, const std::string& where) {
  require_keys(m, {"alias", "spec", "settings"}, where);
  if (!m.contains("alias") || !m["alias"].is_string() || !m.contains("spec") || !m["spec"].is_string())
    throw Error(where + ": needs \"alias\" and \"spec\" strings");
  ModelEntry e{m["alias"], m["spec"], m.value("settings", nlohmann::json::object())};
  if (!good_alias(e.alias))
    throw Error(fmt::format("{}: alias \"{}\": use letters, digits, '.', '-', '_' (not \"__\")", where, e.alias));
  return e;
}

SweepConfig read_config(const std::string& path) {
  const nlohmann::json j = parse_json_bounded(read_file_text(path, "sweep config"), path);
  require_keys(j, {"models", "tasks", "settings", "description"}, path);
  if (!j.contains("models") || !j["models"].is_array() || j["models"].empty())
    throw Error(fmt::format("{}: \"models\" must be a non-empty list", path));
  if (!j.contains("tasks") || !j["tasks"].is_array() || j["tasks"].empty())
    throw Error(fmt::format("{}: \"tasks\" must be a non-empty list of names or globs", path));
  SweepConfig c;
  for (std::size_t i = 0; i < j["models"].size(); ++i) {
    const auto where = fmt::format("{}: models[{}]", path, i);
    ModelEntry e = read_model(j["models"][i], where);
    for (const auto& other : c.models)
      if (other.alias == e.alias) throw Error(fmt::format("{}: alias \"{}\" is used twice", where, e.alias));
    c.models.push_back(std::move(e));
  }
  std::vector<std::string> patterns;
  for (const auto& t : j["tasks"]) {
    if (!t.is_string()) throw Error(fmt::format("{}: tasks: expected strings, got {}", path, t.dump()));
    patterns.push_back(t);
  }
  c.tasks = experiment::expand_tasks(patterns, path + ": tasks");
  c.settings = j.value("settings", nlohmann::json::object());
  return c;
}

// One cell's options: the sweep's settings, then the model's own, then the command's cache.
Options cell_options(const SweepConfig& c, const ModelEntry& m, const SweepOptions& o, const std::string& path) {
  Options opts;
  opts.update(c.settings, path + ": settings");
  opts.update(m.settings, fmt::format("{}: models[{}].settings", path, m.alias));
  if (!o.cache.empty()) opts.set("cache", o.cache);
  return opts;
}

struct PlannedCell {
  std::string name, dir;
  const ModelEntry* model;
  Task task;
  Options options;
  experiment::RunSettings settings;
};

}  // namespace

SweepReport sweep(const std::string& config_path, const std::string& out, const SweepOptions& o, const Callbacks& cb,
                  const SweepHooks& hooks) {
  const SweepConfig c = read_config(config_path);
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
      const ModelEntry* m = &*std::find_if(c.models.begin(), c.models.end(), [&](const ModelEntry& e) { return e.alias == cell.model; });
      Options opts = cell_options(c, *m, o, config_path);
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
