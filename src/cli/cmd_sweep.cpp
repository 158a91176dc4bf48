// `sceval sweep CONFIG -o SWEEP_DIR [--shard I/N] [--summary-only]`: every model x task cell of a
// config, each a `sceval run`, skipping finished cells; then the summary over all finished cells.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "cli/run_job.h"
#include "common/error.h"
#include "common/file.h"
#include "experiment/sweep.h"

namespace sceval::cli {
namespace {

struct SweepArgs {
  std::string config, output, shard = "0/1", cache;
  bool summary_only = false;
  std::optional<std::size_t> shards;  // --shards N (with --shard auto)
};

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

SweepConfig read_config(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file_text(path, "sweep config"));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", path, e.what()));
  }
  require_keys(j, {"models", "tasks", "settings", "description"}, path);
  SweepConfig c;
  if (!j.contains("models") || !j["models"].is_array() || j["models"].empty())
    throw Error(fmt::format("{}: \"models\" must be a non-empty list", path));
  if (!j.contains("tasks") || !j["tasks"].is_array() || j["tasks"].empty())
    throw Error(fmt::format("{}: \"tasks\" must be a non-empty list of names or globs", path));
  for (std::size_t i = 0; i < j["models"].size(); ++i) {
    const auto& m = j["models"][i];
    const auto where = fmt::format("{}: models[{}]", path, i);
    require_keys(m, {"alias", "spec", "settings"}, where);
    if (!m.contains("alias") || !m["alias"].is_string() || !m.contains("spec") || !m["spec"].is_string())
      throw Error(where + ": needs \"alias\" and \"spec\" strings");
    ModelEntry e{m["alias"], m["spec"], m.value("settings", nlohmann::json::object())};
    if (!good_alias(e.alias))
      throw Error(fmt::format("{}: alias \"{}\": use letters, digits, '.', '-', '_' (not \"__\")", where, e.alias));
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

// The run options of one cell: the sweep's settings, then the model's own.
RunOptions cell_options(const SweepConfig& c, const ModelEntry& m, const experiment::Cell& cell,
                        const SweepArgs& a, const std::string& path) {
  RunOptions o;
  auto apply = [&](const nlohmann::json& settings, const std::string& where) {
    if (!settings.is_object()) throw Error(fmt::format("{}: {}: expected a JSON object", path, where));
    for (const auto& [k, v] : settings.items())
      if (!set_run_option(o, k, v, fmt::format("{}: {}.{}", path, where, k)))
        throw Error(fmt::format("{}: {}: unknown setting \"{}\" (the long options of `sceval run`)", path, where, k));
  };
  apply(c.settings, "settings");
  apply(m.settings, "models[" + m.alias + "].settings");
  if (!a.cache.empty()) o.cache = a.cache;
  o.s.task = cell.task.spec;
  o.s.model = m.spec;
  o.s.output = a.output + "/" + cell.name();
  return o;
}

void print_summary(const std::string& dir, std::size_t rows) {
  fmt::print("{}", read_file_text(dir + "/summary.md"));
  fmt::print("wrote {0}/summary.csv, {0}/summary.md ({1} finished cells)\n", dir, rows);
}

void run_sweep(const SweepArgs& a) {
  const SweepConfig c = read_config(a.config);
  const auto shard = experiment::resolve_shard(a.shard, a.shards);
  std::vector<std::string> aliases;
  for (const auto& m : c.models) aliases.push_back(m.alias);
  const auto mine = experiment::shard_cells(experiment::cells(aliases, c.tasks), shard);
  std::filesystem::create_directories(a.output);
  if (a.summary_only) return print_summary(a.output, experiment::write_summary(a.output));

  // Every cell's options are checked before any model is loaded.
  std::map<std::string, const ModelEntry*> by_alias;
  for (const auto& m : c.models) by_alias[m.alias] = &m;
  std::vector<RunOptions> opts;
  for (const auto& cell : mine) {
    opts.push_back(cell_options(c, *by_alias[cell.model], cell, a, a.config));
    finish_settings(opts.back());
  }
  std::size_t skipped = 0, ran = 0;
  std::vector<std::string> incomplete;
  std::map<std::string, Model> loaded;  // one model at a time, loaded on first use
  for (std::size_t k = 0; k < mine.size(); ++k) {
    const auto& o = opts[k];
    if (const auto fin = finish_settings(o); experiment::cell_finished(o.s.output, fin.to_json(), fin.model)) {
      ++skipped;
      continue;
    }
    fmt::print(stderr, "[{}/{}] {}\n", k + 1, mine.size(), mine[k].name());
    if (!loaded.contains(mine[k].model)) {
      loaded.clear();
      loaded.emplace(mine[k].model, make_model(o.s.model, o.local, attempt_log(o)));
    }
    auto report = run_on_model(o, loaded.at(mine[k].model));
    ++ran;
    if (report.failed_requests) incomplete.push_back(fmt::format("{} ({} failed)", mine[k].name(), report.failed_requests));
  }
  fmt::print(stderr, "shard {}/{}: {} cells, {} run, {} already finished\n", shard.index, shard.count, mine.size(), ran,
             skipped);
  print_summary(a.output, experiment::write_summary(a.output));
  if (!incomplete.empty())
    throw Error(fmt::format("requests failed in {} cells: {}; run the same command again to retry them",
                            incomplete.size(), fmt::join(incomplete, ", ")));
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  static SweepArgs a;
  auto* c = app.add_subcommand("sweep", "Run every model x task cell of a sweep config; summary.csv/md over finished cells");
  c->add_option("config", a.config, "Sweep config (JSON, see docs/sweeps.md)")->required();
  c->add_option("-o,--output", a.output, "Sweep directory: one run directory per cell")->required();
  c->add_option("--shard", a.shard, "I/N: run only cells k with k mod N == I (sorted by name); auto: from Slurm/Kubernetes")
      ->capture_default_str();
  c->add_option("--shards", a.shards, "N for --shard auto in a Kubernetes Indexed Job (else $SCEVAL_SHARDS)");
  c->add_option("--cache", a.cache, "Response cache file shared by all cells (overrides the config)");
  c->add_flag("--summary-only", a.summary_only, "Only (re)write summary.csv/md from the finished cells");
  c->callback([] { run_sweep(a); });
}

}  // namespace sceval::cli
