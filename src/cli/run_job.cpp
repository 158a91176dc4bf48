#include "cli/run_job.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/options.h"
#include "cli/progress.h"
#include "common/error.h"
#include "llm/http/model_spec.h"
#include "task/registry.h"

namespace sceval::cli {

void add_model_options(CLI::App* c, RunOptions& a, bool decision_map) {
  c->add_option("--model,-m", a.s.model, "gguf:PATH | openai:MODEL@BASE_URL | anthropic:MODEL")->required();
  if (decision_map)
    c->add_option("--decision-map", a.decision_map,
                  "generate (the paper) | score (label log-probs, gguf only) | lazy (ask only the points the "
                  "audit needs; docs/lazy.md) | auto (lazy when the full map costs more)")
        ->capture_default_str();
  if (decision_map)
    c->add_option("--max-queries-per-point", a.s.max_queries_per_point,
                  "lazy/auto: grid points one distance search may ask before its row is censored")
        ->capture_default_str();
  c->add_option("--max-tokens", a.s.sampling.max_tokens, "Max tokens per reply (paper: 1000)")->capture_default_str();
  c->add_option("--temperature", a.s.sampling.temperature, "Sampling temperature (paper: 0)")->capture_default_str();
  c->add_option("--gen-seed", a.s.sampling.seed, "Generation seed (paper: 42)")->capture_default_str();
  c->add_flag("--llama-system-prompt", a.llama_system, "The paper's system prompt for Llama models");
  c->add_option("--system", a.system, "A system prompt");
  c->add_option("--chunk", a.s.chunk, "Requests per batch (fixed, for exact resumes)")->capture_default_str();
  c->add_option("--cache", a.cache, "Response cache file (default: $SCEVAL_CACHE or ~/.cache/sceval/responses.sqlite)");
  c->add_flag("--no-cache", a.no_cache, "Do not read or write the cache");
  c->add_flag("--refresh", a.refresh, "Ask again and overwrite cached answers");
  c->add_flag("--quiet,-q", a.quiet, "No progress and no summary on stderr (errors only)");
  c->add_option("--log-level", a.log_level, "error | warn | info (progress, summary) | debug (every retried request)")
      ->capture_default_str();
  c->add_option("--threads", a.local.threads, "gguf: CPU threads (0 = all)");
  c->add_option("--ctx", a.local.ctx, "gguf: context size (0 = auto)");
  c->add_option("--parallel", a.local.parallel, "gguf: sequences in flight (0 = auto)");
  c->add_option("--chat-template", a.local.chat_template, "gguf: template NAME or FILE (default: the model's)");
  c->add_flag("--reference-mode", a.local.reference_mode, "gguf: one sequence at a time, no prefix sharing");
}

experiment::RunSettings finish_settings(const RunOptions& o) {
  experiment::RunSettings s = o.s;
  if (o.decision_map == "generate") s.decision_map = experiment::DecisionMapMode::Generate;
  else if (o.decision_map == "score") s.decision_map = experiment::DecisionMapMode::Score;
  else if (o.decision_map == "lazy") s.decision_map = experiment::DecisionMapMode::Lazy;
  else if (o.decision_map == "auto") s.decision_map = experiment::DecisionMapMode::Auto;
  else throw Error("--decision-map: expected generate, score, lazy or auto, got \"" + o.decision_map + "\"");
  if (o.limit) s.limit = o.limit;
  if (o.sample) s.sample = o.sample;
  if (o.llama_system) s.system_prompt = experiment::kPaperLlamaSystemPrompt;
  if (!o.system.empty()) s.system_prompt = o.system;
  s.live_off_grid = !o.no_live;
  if (!o.distance.empty()) s.distance = distance_or_task(task::resolve_task(s.task), o.distance);
  s.model = llm::spec_without_secrets(s.model);  // what is written and compared; make_model takes o.s.model
  return s;
}

llm::CachingOptions caching_options(const RunOptions& o) {
  llm::CachingOptions co;
  co.mode = o.no_cache ? llm::CacheMode::Off : o.refresh ? llm::CacheMode::Refresh : llm::CacheMode::Use;
  co.path = o.cache;
  co.chunk_size = o.s.chunk;
  return co;
}

LogLevel log_level(const RunOptions& o) {
  if (o.quiet) return LogLevel::Error;
  if (o.log_level == "error") return LogLevel::Error;
  if (o.log_level == "warn") return LogLevel::Warn;
  if (o.log_level == "info") return LogLevel::Info;
  if (o.log_level == "debug") return LogLevel::Debug;
  throw Error("--log-level: expected error, warn, info or debug, got \"" + o.log_level + "\"");
}

AttemptLog attempt_log(const RunOptions& o) {
  if (log_level(o) < LogLevel::Debug) return {};
  return [](const std::string& line) { fmt::print(stderr, "\ndebug: {}\n", line); };
}

experiment::Progress attach_progress(const RunOptions& o, llm::CachingBackend& cached) {
  auto reporter = std::make_shared<ProgressReporter>(progress_style(log_level(o) < LogLevel::Info), [&cached] {
    return ProgressCounts{cached.stats().hits, cached.stats().errors};  // failures: answers stored as errors
  });
  cached.set_progress([reporter](std::size_t done, std::size_t total) { reporter->within_chunk(done, total); });
  return [reporter](const std::string& stage, std::size_t done, std::size_t total) { reporter->stage(stage, done, total); };
}

experiment::RunReport run_on_model(const RunOptions& o, Model& model) {
  const auto s = finish_settings(o);
  const LogLevel level = log_level(o);
  llm::CachingBackend cached(*model.backend, caching_options(o));
  auto report = experiment::run(s, cached, model.info, attach_progress(o, cached));
  const auto& st = cached.stats();
  if (level >= LogLevel::Info)
    fmt::print(stderr, "requests: {} ({} from the cache, {} asked, {} failed)\n", st.requests, st.hits,
               st.inner_requests, report.failed_requests);
  else if (level >= LogLevel::Warn && report.failed_requests)
    fmt::print(stderr, "warning: {} requests failed\n", report.failed_requests);
  const auto& r = report.results;  // the metrics go to stdout whatever the log level
  for (const char* mode : {"paper", "strict"}) {
    if (!r[mode].contains("metrics")) {  // lazy decision map: strict only
      fmt::print("{:<7} {}\n", mode, r[mode].value("reason", "not computed"));
      continue;
    }
    const auto& m = r[mode]["metrics"];
    fmt::print("{:<7} N={:<6} validity {:>8}  mean RCF_A {:>8}  TM {:>8}  exact match {:>8}\n", mode,
               m["n"].get<std::int64_t>(), format_rate(m["validity"]), format_value(m["mean_rcf_a"]), format_value(m["tm"]),
               format_rate(m["exact_match"]));
  }
  const bool lazy = r["decision_map"].value("mode", "") == "lazy";
  if (level >= LogLevel::Info)
    fmt::print("wrote {}/results.json, {}, sces.csv, samples.jsonl\n", s.output, lazy ? "queried_points.csv" : "decision_map.csv");
  return report;
}

namespace {

template <class T>
T as(const nlohmann::json& v, const std::string& where) {
  try {
    return v.get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("{}: expected {}, got {}", where,
                            std::is_same_v<T, bool> ? "true or false" : std::is_same_v<T, std::string> ? "a string" : "a number",
                            v.dump()));
  }
}

}  // namespace

bool set_run_option(RunOptions& o, const std::string& key_in, const nlohmann::json& v, const std::string& where) {
  std::string key = key_in;
  for (auto& c : key) c = c == '-' ? '_' : c;
  auto& s = o.s;
  if (key == "decision_map") o.decision_map = as<std::string>(v, where);
  else if (key == "limit") o.limit = as<std::size_t>(v, where);
  else if (key == "sample") o.sample = as<std::size_t>(v, where);
  else if (key == "seed") s.seed = as<std::uint64_t>(v, where);
  else if (key == "all_complements") s.all_complements = as<bool>(v, where);
  else if (key == "max_tokens") s.sampling.max_tokens = as<int>(v, where);
  else if (key == "temperature") s.sampling.temperature = as<double>(v, where);
  else if (key == "gen_seed") s.sampling.seed = as<decltype(s.sampling.seed)>(v, where);
  else if (key == "llama_system_prompt") o.llama_system = as<bool>(v, where);
  else if (key == "system") o.system = as<std::string>(v, where);
  else if (key == "no_live_check") o.no_live = as<bool>(v, where);
  else if (key == "with_history") s.with_history = as<bool>(v, where);
  else if (key == "distance") o.distance = as<std::string>(v, where);
  else if (key == "chunk") s.chunk = as<std::size_t>(v, where);
  else if (key == "max_queries_per_point") s.max_queries_per_point = as<std::size_t>(v, where);
  else if (key == "bootstrap") s.bootstrap.resamples = as<int>(v, where);
  else if (key == "cache") o.cache = as<std::string>(v, where);
  else if (key == "no_cache") o.no_cache = as<bool>(v, where);
  else if (key == "refresh") o.refresh = as<bool>(v, where);
  else if (key == "threads") o.local.threads = as<int>(v, where);
  else if (key == "ctx") o.local.ctx = as<int>(v, where);
  else if (key == "parallel") o.local.parallel = as<int>(v, where);
  else if (key == "chat_template") o.local.chat_template = as<std::string>(v, where);
  else if (key == "reference_mode") o.local.reference_mode = as<bool>(v, where);
  else return false;
  return true;
}

}  // namespace sceval::cli
