// simulate: the simulatability audit of a finished run as a library call (docs/simulate.md).
#include "sceval/simulate.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>
#include <memory>

#include "api/internal.h"
#include "common/error.h"
#include "common/exclusive.h"
#include "common/file.h"
#include "experiment/output.h"
#include "experiment/sweep.h"
#include "results/results_json.h"
#include "simulate/compare.h"
#include "simulate/merge.h"
#include "simulate/output.h"
#include "simulate/simulate.h"

namespace sceval {

namespace {

// The run's own model options (results.json settings), so the target is asked exactly as the run asked it
// and its answers come from the cache the run filled; the caller's cache options apply.
Options run_options(const nlohmann::json& recorded, const Options& caller) {
  Options o;
  for (const auto& [k, v] : recorded.items())
    if (const OptionSpec* spec = find_option(k); spec && (spec->scope & scope::kModel) && !v.is_null())
      o.set(k, v, "results.json: settings." + k);
  for (const char* k : {"cache", "no_cache", "refresh", "quiet", "log_level"}) o.set(k, caller.get(k));
  return o;
}

simulate::Settings settings_of(const simulate::RunInputs& in, const Options& options, const SimulateOptions& so,
                               const std::string& run_dir) {
  // Named as keywords: the CLI has checked its flags as they were parsed, so these reach Python users.
  option_spec("hamming").check(so.hamming, "hamming");
  option_spec("per_point").check(so.per_point, "per_point");
  option_spec("explanation").check(so.explanation, "explanation");
  const auto rs = api::run_settings(*in.task, in.task_spec, "", options, "");
  simulate::Settings s;
  s.free = so.explanation != "sce";
  s.sce = so.explanation != "free";
  s.hamming = static_cast<std::size_t>(so.hamming);
  s.per_point = static_cast<std::size_t>(so.per_point);
  s.sample = rs.sample;
  s.seed = rs.seed;
  s.ci.resamples = rs.bootstrap.resamples;
  s.ci.seed = rs.seed;
  s.chunk = rs.chunk;
  s.sampling = rs.sampling;
  s.system = rs.system_prompt;
  s.prompts = simulate::load_prompts(so.prompts.empty() ? simulate::find_prompts("nsg") : so.prompts);
  s.recorded = options.to_json(scope::kModel);
  s.recorded["run"] = run_dir;
  s.recorded["explanation"] = so.explanation;
  s.recorded["hamming"] = so.hamming;
  s.recorded["per_point"] = so.per_point;
  s.recorded["sample"] = options.get("sample");
  s.recorded["seed"] = options.seed;
  s.recorded["bootstrap"] = options.bootstrap;
  s.recorded["prompts"] = s.prompts.path;
  if (!so.shard.empty()) {
    const auto shard = experiment::parse_shard(so.shard);
    s.shard_index = shard.index;
    s.shard_count = shard.count;
    // Only a real split is recorded: "0/1" is the unsharded audit and agrees with it.
    if (shard.count > 1) s.recorded["shard"] = fmt::format("{}/{}", shard.index, shard.count);
  }
  return s;
}

experiment::Progress progress_of(const Callbacks& cb) {
  if (!cb.progress) return {};
  return [cb](const std::string& stage, std::size_t done, std::size_t total) {
    Progress p;
    p.stage = stage;
    p.done = done;
    p.total = total;
    cb.progress(p);
  };
}

std::string shard_folder(const std::string& out, std::size_t index, std::size_t count) {
  return (std::filesystem::path(out) / fmt::format("shard-{}-of-{}", index, count)).string();
}

// The output folder's lock, waited for: two shards that end together merge one after the other.
std::unique_ptr<DirectoryLock> wait_for_lock(const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    try {
      return std::make_unique<DirectoryLock>(dir, "output directory");
    } catch (const Error&) {
      if (attempt >= 600) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// When every shard of `s` in OUT/shard-*-of-N/ is finished with these settings, their merge goes to
// OUT (its guard and commit as for any audit); nullopt while one is missing or of other settings.
std::optional<simulate::Merged> merge_if_complete(const std::string& out, const simulate::RunInputs& in,
                                                  const simulate::Settings& s, bool overwrite) {
  nlohmann::json settings = s.recorded;
  settings.erase("shard");
  const auto lock = wait_for_lock(out);
  std::vector<nlohmann::json> jsons;
  std::vector<Table> csvs;
  for (std::size_t k = 0; k < s.shard_count; ++k) {
    const std::string dir = shard_folder(out, k, s.shard_count);
    if (!path_exists(dir + "/simulate.json")) return std::nullopt;
    auto j = results::read_json(dir + "/simulate.json");
    nlohmann::json shard_settings = j.value("settings", nlohmann::json());
    if (shard_settings.is_object()) shard_settings.erase("shard");
    if (shard_settings != settings) return std::nullopt;  // an earlier audit of other settings: not ours yet
    jsons.push_back(std::move(j));
    csvs.push_back(Table::read_csv(dir + "/simulate.csv"));
  }
  auto m = simulate::merge_shards(jsons, csvs, *in.task, s.ci);
  simulate::check_audit_dir(out, settings, overwrite);
  simulate::start_staging(out);
  simulate::commit_audit(out, m.csv.to_csv(), m.json.dump(1) + "\n");
  return m;
}

}  // namespace

SimulateResult simulatability(const std::string& run_dir, const std::vector<Observer>& observers, Model* target,
                              const Options& options, const SimulateOptions& so, const std::string& out,
                              const Callbacks& cb) {
  const auto in = simulate::read_run(run_dir);
  const auto s = settings_of(in, options, so, run_dir);
  for (const auto& o : observers)
    if (!o.model) throw Error(fmt::format("simulate: observer \"{}\" has no model", o.name));
  const Options target_options = run_options(in.settings, options);
  std::unique_ptr<Model> opened;
  if (!target && (s.free || in.lazy)) {
    const auto spec = in.settings.contains("model") && in.settings["model"].is_string()
                          ? in.settings["model"].get<std::string>()
                          : std::string();
    if (spec.empty())
      throw Error(
          fmt::format("{}/results.json records no model (a `sceval score` run?): give --target SPEC (Python: "
                      "target=) for {}",
                      run_dir, s.free ? "free explanations" : "the truths of a lazy run"));
    // A Python callable is recorded by name: it cannot be opened again from the spec.
    if (spec.starts_with("function:"))
      throw Error(
          fmt::format("{}/results.json: the run's model was a Python callable ({}): give target= (CLI: "
                      "--target SPEC) for {}{}",
                      run_dir, spec, s.free ? "free explanations" : "the truths of a lazy run",
                      s.free ? ", or explanation=\"sce\" (--explanation sce)" : ""));
    opened = std::make_unique<Model>(Model::open(spec, target_options, cb.log));
    target = opened.get();
  }
  simulate::Target t;
  std::unique_ptr<llm::CachingBackend> target_cache;
  t.run = api::run_settings(*in.task, in.task_spec, "", target_options, "");
  if (target) {
    target_cache = std::make_unique<llm::CachingBackend>(api::backend_of(*target), api::caching_options(options));
    t.party = {"target", target_cache.get(), target->info()};
  }
  std::vector<std::unique_ptr<llm::CachingBackend>> caches;
  std::vector<simulate::Party> parties;
  for (const auto& o : observers) {
    caches.push_back(std::make_unique<llm::CachingBackend>(api::backend_of(*o.model), api::caching_options(options)));
    parties.push_back({o.name, caches.back().get(), o.model->info()});
  }

  std::unique_ptr<experiment::NewFolders> made;
  std::unique_ptr<DirectoryLock> lock;
  std::unique_ptr<experiment::SampleLog> log;
  experiment::RunOutput memory;  // the samples when nothing is written
  const std::string here = s.shard_count > 1 && !out.empty() ? shard_folder(out, s.shard_index, s.shard_count) : out;
  if (!out.empty()) simulate::check_not_another_run(out, run_dir);
  if (!here.empty()) {
    refuse_overwriting_inputs(here + "/simulate.json", {run_dir + "/results.json"});
    made = std::make_unique<experiment::NewFolders>(here);
    ensure_directory(here);
    lock = std::make_unique<DirectoryLock>(here, "output directory");
    simulate::check_audit_dir(here, s.recorded, options.overwrite);  // under the lock: no audit starts meanwhile
    const auto staging = simulate::start_staging(here);
    log = std::make_unique<experiment::SampleLog>((staging / "simulate_samples.jsonl").string());
  } else {
    log = std::make_unique<experiment::SampleLog>(memory);
  }
  auto o = simulate::run_simulation(in, s, parties, t, *log, progress_of(cb));
  log.reset();
  if (made) made->keep();
  if (!here.empty()) simulate::commit_audit(here, o.csv.to_csv(), o.json.dump(1) + "\n");
  lock.reset();
  SimulateResult r;
  if (here != out) {
    if (auto m = merge_if_complete(out, in, s, options.overwrite)) {
      o.json = std::move(m->json);
      o.csv = std::move(m->csv);
      r.merged = true;
    }
  }
  r.metrics = std::move(o.json);
  r.predictions = std::move(o.csv);
  r.requests = o.requests;
  for (const auto& c : caches) r.cache_hits += c->stats().hits;
  if (target_cache) r.cache_hits += target_cache->stats().hits;
  return r;
}

bool is_simulate_audit(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::path(path).filename() == "simulate.json") return true;
  return fs::exists(fs::path(path) / "simulate.json", ec) && !fs::exists(fs::path(path) / "results.json", ec);
}

nlohmann::json compare_simulations(const std::string& a, const std::string& b, const CompareOptions& o) {
  option_spec("bootstrap").check(o.bootstrap, "bootstrap");
  simulate::CiSettings ci;
  ci.resamples = o.bootstrap;
  ci.seed = o.seed;
  return simulate::compare_audits(simulate::read_audit(a), simulate::read_audit(b), ci);
}

}  // namespace sceval
