// simulate: the simulatability audit of a finished run as a library call (docs/simulate.md).
#include "sceval/simulate.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "api/internal.h"
#include "common/error.h"
#include "common/exclusive.h"
#include "common/file.h"
#include "experiment/output.h"
#include "results/results_json.h"
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
  if (!out.empty()) {
    refuse_overwriting_inputs(out + "/simulate.json", {run_dir + "/results.json"});
    made = std::make_unique<experiment::NewFolders>(out);
    ensure_directory(out);
    lock = std::make_unique<DirectoryLock>(out, "output directory");
    simulate::check_audit_dir(out, s.recorded, options.overwrite);  // under the lock: no audit starts meanwhile
    const auto staging = simulate::start_staging(out);
    log = std::make_unique<experiment::SampleLog>((staging / "simulate_samples.jsonl").string());
  } else {
    log = std::make_unique<experiment::SampleLog>(memory);
  }
  auto o = simulate::run_simulation(in, s, parties, t, *log, progress_of(cb));
  log.reset();
  if (made) made->keep();
  if (!out.empty()) simulate::commit_audit(out, o.csv.to_csv(), o.json.dump(1) + "\n");
  SimulateResult r;
  r.metrics = std::move(o.json);
  r.predictions = std::move(o.csv);
  r.requests = o.requests;
  for (const auto& c : caches) r.cache_hits += c->stats().hits;
  if (target_cache) r.cache_hits += target_cache->stats().hits;
  return r;
}

}  // namespace sceval
