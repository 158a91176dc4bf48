// Options (the one table) -> the modules' settings.
#include <fmt/format.h>

#include "api/internal.h"
#include "common/error.h"
#include "experiment/settings.h"

namespace sceval::api {

task::DistanceKind distance_or_task(const task::Task& t, const std::string& given, const std::string& where) {
  if (given.empty()) return t.distance;
  if (auto d = task::distance_from_string(given)) return *d;
  throw Error(fmt::format("{}: expected gower, l1_mad or l2_std, got \"{}\"", where, given));
}

experiment::RunSettings run_settings(const task::Task& t, const std::string& task_spec, const std::string& model_spec,
                                     const Options& o, const std::string& out) {
  experiment::RunSettings s;
  s.task = task_spec;
  s.model = model_spec;
  s.output = out;
  const std::string dm = o.text("decision_map");
  s.decision_map = dm == "score" ? experiment::DecisionMapMode::Score
                   : dm == "lazy" ? experiment::DecisionMapMode::Lazy
                   : dm == "auto" ? experiment::DecisionMapMode::Auto
                                  : experiment::DecisionMapMode::Generate;
  s.max_queries_per_point = static_cast<std::size_t>(o.integer("max_queries_per_point"));
  if (!o.get("limit").is_null()) s.limit = static_cast<std::size_t>(o.integer("limit"));
  if (!o.get("sample").is_null()) s.sample = static_cast<std::size_t>(o.integer("sample"));
  s.seed = static_cast<std::uint64_t>(o.integer("seed"));
  s.all_complements = o.flag("all_complements");
  s.sampling.max_tokens = static_cast<int>(o.integer("max_tokens"));
  s.sampling.temperature = o.number("temperature");
  s.sampling.seed = static_cast<std::uint64_t>(o.integer("gen_seed"));
  if (o.flag("llama_system_prompt")) s.system_prompt = experiment::kPaperLlamaSystemPrompt;
  if (!o.text("system").empty()) s.system_prompt = o.text("system");
  s.live_off_grid = !o.flag("no_live_check");
  s.with_history = o.flag("with_history");
  s.chunk = static_cast<std::size_t>(o.integer("chunk"));
  if (!o.text("distance").empty()) s.distance = distance_or_task(t, o.text("distance"), "distance");
  s.bootstrap.resamples = static_cast<int>(o.integer("bootstrap"));
  s.recorded = o.to_json(scope::kAll);
  s.recorded["task"] = task_spec;
  s.recorded["model"] = model_spec;
  if (!t.stop.empty()) s.recorded["stop"] = t.stop;
  return s;
}

llm::CachingOptions caching_options(const Options& o) {
  llm::CachingOptions co;
  co.mode = o.flag("no_cache") ? llm::CacheMode::Off : o.flag("refresh") ? llm::CacheMode::Refresh : llm::CacheMode::Use;
  co.path = o.text("cache");
  co.chunk_size = static_cast<std::size_t>(o.integer("chunk"));
  return co;
}

// Row lines travel with the tables, so `score` and `closest` name a bad row's real line in the file.
csv::Table to_internal(const Table& t) { return csv::from_public(t); }

Table to_public(csv::Table t) { return csv::as_public(std::move(t)); }

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
