// Options (the one table) -> the modules' settings.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/internal.h"
#include "common/error.h"
#include "experiment/settings.h"

namespace sceval::api {

task::DistanceKind distance_or_task(const task::Task& t, const std::string& given, const std::string& where) {
  if (given.empty()) return t.distance;
  if (auto d = task::distance_from_string(given)) return *d;
  throw Error(fmt::format("{}: expected one of {}, got \"{}\"", where, fmt::join(task::kDistanceNames, ", "), given));
}

experiment::RunSettings run_settings(const task::Task& t, const std::string& task_spec, const std::string& model_spec,
                                     const Options& o, const std::string& out) {
  experiment::RunSettings s;
  s.task = task_spec;
  s.model = model_spec;
  s.output = out;
  s.decision_map = experiment::decision_map_from_string(o.decision_map);  // the table checked the name
  s.max_queries_per_point = static_cast<std::size_t>(o.max_queries_per_point);
  if (o.limit) s.limit = static_cast<std::size_t>(*o.limit);
  if (o.sample) s.sample = static_cast<std::size_t>(*o.sample);
  s.seed = static_cast<std::uint64_t>(o.seed);
  s.all_complements = o.all_complements;
  s.sampling.max_tokens = static_cast<int>(o.max_tokens);
  s.sampling.temperature = o.temperature;
  s.sampling.seed = static_cast<std::uint64_t>(o.gen_seed);
  const std::string system = o.system.value_or("");
  // Both would set the one system prompt: which one was meant cannot be known, and the settings
  // would record both while the model saw one.
  if (o.llama_system_prompt && !system.empty())
    throw Error(
        "--llama-system-prompt and --system (Python: llama_system_prompt, system) both set the system "
        "prompt; give one of them");
  if (o.llama_system_prompt) s.system_prompt = experiment::kPaperLlamaSystemPrompt;
  if (!system.empty()) s.system_prompt = system;
  s.live_off_grid = !o.no_live_check;
  s.with_history = o.with_history;
  s.chunk = static_cast<std::size_t>(o.chunk);
  if (o.distance && !o.distance->empty()) s.distance = distance_or_task(t, *o.distance, "distance");
  s.bootstrap.resamples = static_cast<int>(o.bootstrap);
  s.recorded = o.to_json(scope::kAll);
  s.recorded["task"] = task_spec;
  s.recorded["model"] = model_spec;
  if (!t.stop.empty()) s.recorded["stop"] = t.stop;
  return s;
}

llm::CachingOptions caching_options(const Options& o) {
  llm::CachingOptions co;
  co.mode = o.no_cache ? llm::CacheMode::Off : o.refresh ? llm::CacheMode::Refresh : llm::CacheMode::Use;
  co.path = o.cache.value_or("");
  co.chunk_size = static_cast<std::size_t>(o.chunk);
  return co;
}

Table checked(Table t) {
  t.check_shape();
  return t;
}

experiment::Progress progress_for(const Callbacks& cb, llm::CachingBackend& cached) {
  if (!cb.progress) return {};
  auto state = std::make_shared<Progress>();
  auto emit = [cb, state, &cached] {
    state->cache_hits = cached.stats().hits;
    state->failures = cached.stats().errors;
    cb.progress(*state);
  };
  cached.set_progress([state, emit](std::size_t done, std::size_t total) {
    state->chunk_done = done;
    state->chunk_total = total;
    emit();
  });
  return [state, emit](const std::string& stage, std::size_t done, std::size_t total) {
    state->stage = stage;
    state->done = done;
    state->total = total;
    state->chunk_done = state->chunk_total = 0;
    emit();
  };
}

}  // namespace sceval::api
