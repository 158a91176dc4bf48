// `sceval run`: the paper's protocol end to end on one model, cached and resumable.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/model_factory.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "experiment/run.h"
#include "llm/cache/caching_backend.h"
#include "llm/http/model_spec.h"
#include "task/registry.h"

namespace sceval::cli {
namespace {

struct RunArgs {
  experiment::RunSettings s;
  LocalModelOptions local;
  std::string decision_map = "generate", distance, cache;
  std::size_t limit = 0, sample = 0;
  bool no_cache = false, refresh = false, llama_system = false, no_live = false, quiet = false;
  std::string system, log_level = "info";
};

enum class LogLevel { Error, Warn, Info, Debug };

LogLevel log_level(const RunArgs& a) {
  if (a.quiet) return LogLevel::Error;
  if (a.log_level == "error") return LogLevel::Error;
  if (a.log_level == "warn") return LogLevel::Warn;
  if (a.log_level == "info") return LogLevel::Info;
  if (a.log_level == "debug") return LogLevel::Debug;
  throw Error("--log-level: expected error, warn, info or debug, got \"" + a.log_level + "\"");
}

void run_command(RunArgs& a) {
  auto& s = a.s;
  if (a.decision_map != "generate" && a.decision_map != "score")
    throw Error("--decision-map: expected generate or score, got \"" + a.decision_map + "\"");
  s.decision_map = a.decision_map == "score" ? experiment::DecisionMapMode::Score : experiment::DecisionMapMode::Generate;
  if (a.limit) s.limit = a.limit;
  if (a.sample) s.sample = a.sample;
  if (a.llama_system) s.system_prompt = experiment::kPaperLlamaSystemPrompt;
  if (!a.system.empty()) s.system_prompt = a.system;
  s.live_off_grid = !a.no_live;
  if (!a.distance.empty()) s.distance = distance_or_task(task::resolve_task(s.task), a.distance);

  const LogLevel level = log_level(a);
  AttemptLog attempt_log;
  if (level >= LogLevel::Debug) attempt_log = [](const std::string& line) { fmt::print(stderr, "\ndebug: {}\n", line); };
  Model model = make_model(s.model, a.local, attempt_log);
  s.model = llm::spec_without_secrets(s.model);
  llm::CachingOptions co;
  co.mode = a.no_cache ? llm::CacheMode::Off : a.refresh ? llm::CacheMode::Refresh : llm::CacheMode::Use;
  co.path = a.cache;
  co.chunk_size = s.chunk;
  llm::CachingBackend cached(*model.backend, co);
  ProgressReporter reporter(progress_style(level < LogLevel::Info), [&] {
    return ProgressCounts{cached.stats().hits, cached.stats().errors};  // failures: answers stored as errors
  });
  cached.set_progress([&](std::size_t done, std::size_t total) { reporter.within_chunk(done, total); });
  auto progress = [&](const std::string& stage, std::size_t done, std::size_t total) {
    reporter.stage(stage, done, total);
  };
  auto report = experiment::run(s, cached, model.info, progress);
  const auto& st = cached.stats();
  if (level >= LogLevel::Info)
    fmt::print(stderr, "requests: {} ({} from the cache, {} asked, {} failed)\n", st.requests, st.hits,
               st.inner_requests, report.failed_requests);
  else if (level >= LogLevel::Warn && report.failed_requests)
    fmt::print(stderr, "warning: {} requests failed\n", report.failed_requests);
  const auto& r = report.results;
  for (const char* mode : {"paper", "strict"}) {
    const auto& m = r[mode]["metrics"];
    fmt::print("{:<7} N={:<6} validity {:>8}  mean RCF_A {:>8}  TM {:>8}  exact match {:>8}\n", mode,
               m["n"].get<std::int64_t>(), format_rate(m["validity"]), format_value(m["mean_rcf_a"]), format_value(m["tm"]),
               format_rate(m["exact_match"]));
  }
  if (level >= LogLevel::Info) fmt::print("wrote {}/results.json, decision_map.csv, sces.csv, samples.jsonl\n", s.output);
  if (report.failed_requests)
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            report.failed_requests));
}

}  // namespace

void add_run_command(CLI::App& app) {
  static RunArgs a;
  auto* c = app.add_subcommand("run", "Run the paper's protocol on a model: decision map, SCEs, metrics");
  c->add_option("--task,-t", a.s.task, "Task name or file")->required();
  c->add_option("--model,-m", a.s.model, "gguf:PATH | openai:MODEL@BASE_URL | anthropic:MODEL")->required();
  c->add_option("-o,--output", a.s.output, "Run directory")->required();
  c->add_option("--decision-map", a.decision_map, "generate (the paper) | score (label log-probs, gguf only)")
      ->capture_default_str();
  c->add_option("--limit", a.limit, "Follow-ups for the first N grid points only");
  c->add_option("--sample", a.sample, "Follow-ups for N grid points drawn with --seed");
  c->add_option("--seed", a.s.seed, "Seed for sampling points and complements")->capture_default_str();
  c->add_flag("--all-complements", a.s.all_complements, "k-way tasks: one SCE per other label");
  c->add_option("--max-tokens", a.s.sampling.max_tokens, "Max tokens per reply (paper: 1000)")->capture_default_str();
  c->add_option("--temperature", a.s.sampling.temperature, "Sampling temperature (paper: 0)")->capture_default_str();
  c->add_option("--gen-seed", a.s.sampling.seed, "Generation seed (paper: 42)")->capture_default_str();
  c->add_flag("--llama-system-prompt", a.llama_system, "The paper's system prompt for Llama models");
  c->add_option("--system", a.system, "A system prompt");
  c->add_flag("--no-live-check", a.no_live, "Do not ask the model about off-grid SCEs");
  c->add_flag("--with-history", a.s.with_history,
              "Also ask each SCE's label in the follow-up's own chat (sces.csv history_* columns, "
              "results.json with_history; fresh-context metrics unchanged)");
  c->add_option("--distance", a.distance, "gower | l1_mad | l2_std (default: the task's)");
  c->add_option("--chunk", a.s.chunk, "Requests per batch (fixed, for exact resumes)")->capture_default_str();
  c->add_option("--cache", a.cache, "Response cache file (default: $SCEVAL_CACHE or ~/.cache/sceval/responses.sqlite)");
  c->add_flag("--no-cache", a.no_cache, "Do not read or write the cache");
  c->add_flag("--refresh", a.refresh, "Ask again and overwrite cached answers");
  c->add_flag("--quiet,-q", a.quiet, "No progress and no summary on stderr (errors only)");
  c->add_option("--log-level", a.log_level, "error | warn | info (progress, summary) | debug (every retried request)")
      ->capture_default_str();
  c->add_option("--bootstrap", a.s.bootstrap.resamples, "Bootstrap resamples")->capture_default_str();
  c->add_option("--threads", a.local.threads, "gguf: CPU threads (0 = all)");
  c->add_option("--ctx", a.local.ctx, "gguf: context size (0 = auto)");
  c->add_option("--parallel", a.local.parallel, "gguf: sequences in flight (0 = auto)");
  c->add_option("--chat-template", a.local.chat_template, "gguf: template NAME or FILE (default: the model's)");
  c->add_flag("--reference-mode", a.local.reference_mode, "gguf: one sequence at a time, no prefix sharing");
  c->callback([] { run_command(a); });
}

}  // namespace sceval::cli
