// sceval-bench-llm: times decision-map work of the in-process llama.cpp backend on a task's turn-1
// prompts: greedy generation and option scoring, optionally against reference mode (its timing and
// how far the batched results are from it). Prints one JSON object. Built only with SCEVAL_WITH_LLAMA.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "bench_util.h"
#include "common/error.h"
#include "grid/grid.h"
#include "llm/llama_backend.h"
#include "task/registry.h"
#include "task/render.h"

namespace sceval::bench {
namespace {

using nlohmann::ordered_json;

struct Args {
  llm::LlamaOptions model;
  std::string task = "income", mode = "both";
  std::size_t points = 256;
  int max_tokens = 16;
  bool check_reference = false;
};

ordered_json stats_json(const llm::LlamaStats& s) {
  return {{"load_seconds", s.load_seconds},
          {"hash_seconds", s.hash_seconds},
          {"decode_seconds", s.decode_seconds},
          {"sample_seconds", s.sample_seconds},
          {"decode_calls", s.decode_calls},
          {"tokens_evaluated", s.tokens_evaluated},
          {"prefix_tokens_reused", s.prefix_tokens_reused},
          {"tokens_generated", s.tokens_generated},
          {"preemptions", s.preemptions}};
}

// One timed pass of generation or scoring over `convs` on backend `b`.
struct Pass {
  double seconds = 0;
  ordered_json json;
  std::vector<llm::Generation> generations;
  std::vector<llm::OptionScores> scores;
};

Pass generate_pass(llm::LlamaBackend& b, const std::vector<Conversation>& convs, int max_tokens, int top_logprobs) {
  std::vector<llm::GenerationRequest> reqs;
  for (const auto& c : convs) reqs.push_back({c, {}});
  for (auto& r : reqs) r.sampling.max_tokens = max_tokens, r.sampling.top_logprobs = top_logprobs;
  const auto before = b.stats();
  const auto t0 = std::chrono::steady_clock::now();
  Pass p;
  p.generations = b.generate(reqs);
  p.seconds = seconds_since(t0);
  std::size_t toks = 0, errors = 0;
  for (const auto& r : p.generations)
    toks += static_cast<std::size_t>(r.completion_tokens), errors += r.finish == llm::FinishReason::Error;
  const double n = static_cast<double>(convs.size());
  p.json = {{"seconds", p.seconds},
            {"points_per_second", n / p.seconds},
            {"tokens_generated", toks},
            {"tokens_per_second", static_cast<double>(toks) / p.seconds},
            {"errors", errors},
            {"decode_calls", b.stats().decode_calls - before.decode_calls},
            {"tokens_evaluated", b.stats().tokens_evaluated - before.tokens_evaluated},
            {"prefix_tokens_reused", b.stats().prefix_tokens_reused - before.prefix_tokens_reused},
            {"preemptions", b.stats().preemptions - before.preemptions},
            {"example", p.generations.empty() ? "" : p.generations[0].text}};
  return p;
}

Pass score_pass(llm::LlamaBackend& b, const std::vector<Conversation>& convs, const task::Task& t) {
  std::vector<LabelScoreRequest> reqs;
  for (const auto& c : convs) reqs.push_back({c, "{\"" + t.answer_key + "\": \"", t.options});
  const auto before = b.stats();
  const auto t0 = std::chrono::steady_clock::now();
  Pass p;
  p.scores = b.score_options(reqs);
  p.seconds = seconds_since(t0);
  p.json = {{"seconds", p.seconds},
            {"points_per_second", static_cast<double>(convs.size()) / p.seconds},
            {"decode_calls", b.stats().decode_calls - before.decode_calls},
            {"tokens_evaluated", b.stats().tokens_evaluated - before.tokens_evaluated},
            {"prefix_tokens_reused", b.stats().prefix_tokens_reused - before.prefix_tokens_reused},
            {"example_probabilities", p.scores.empty() ? std::vector<double>{} : p.scores[0].probability}};
  return p;
}

// Greedy sequences whose tokens differ from the reference's, and the largest log-probability
// difference before they do.
ordered_json compare_generations(const Pass& gen, const Pass& ref) {
  int diverged = 0;
  double max_diff = 0;
  for (std::size_t i = 0; i < gen.generations.size(); ++i) {
    const auto& a = gen.generations[i].logprobs;
    const auto& b = ref.generations[i].logprobs;
    const std::size_t common = std::min(a.size(), b.size());
    bool differs = false;
    for (std::size_t k = 0; k < common && !differs; ++k) {
      differs = a[k].token != b[k].token;
      if (!differs) max_diff = std::max(max_diff, std::abs(a[k].logprob - b[k].logprob));
    }
    diverged += differs || a.size() != b.size();  // same tokens but one stopped earlier
  }
  return {{"generate_sequences_diverged", diverged}, {"generate_max_abs_logprob_diff", max_diff}};
}

// The largest option-score differences from the reference, and how many points change their most
// probable option.
ordered_json compare_scores(const Pass& sc, const Pass& ref) {
  double max_diff = 0, max_p = 0;
  int flips = 0;
  for (std::size_t i = 0; i < sc.scores.size(); ++i) {
    const auto& a = sc.scores[i];
    const auto& b = ref.scores[i];
    for (std::size_t o = 0; o < a.logprob.size(); ++o) {
      max_diff = std::max(max_diff, std::abs(a.logprob[o] - b.logprob[o]));
      max_p = std::max(max_p, std::abs(a.probability[o] - b.probability[o]));
    }
    flips += std::max_element(a.probability.begin(), a.probability.end()) - a.probability.begin() !=
             std::max_element(b.probability.begin(), b.probability.end()) - b.probability.begin();
  }
  return {{"score_max_abs_logprob_diff", max_diff},
          {"score_max_abs_probability_diff", max_p},
          {"score_top_option_changes", flips}};
}

// Points spread evenly over the grid, their turn-1 conversations.
std::vector<Conversation> spread_conversations(const task::Task& t, std::size_t points) {
  const grid::Grid g(t);
  const std::size_t n = std::min<std::size_t>(points, g.size());
  std::vector<Conversation> convs;
  for (std::size_t k = 0; k < n; ++k)
    convs.push_back(task::turn1_messages(t, g.record(static_cast<grid::Index>(k * g.size() / n))));
  return convs;
}

// The reference-mode passes of what was run batched (gen, sc: null when not run), and how far the
// batched results are from them.
ordered_json reference_passes(const Args& a, const std::vector<Conversation>& convs, const task::Task& t,
                              const Pass* gen, const Pass* sc) {
  auto ro = a.model;
  ro.reference_mode = true;
  llm::LlamaBackend r(ro);
  ordered_json rj, cmp;
  if (gen) {
    Pass g2 = generate_pass(r, convs, a.max_tokens, 1);
    rj["generate"] = g2.json;
    cmp.update(compare_generations(*gen, g2));
  }
  if (sc) {
    Pass s2 = score_pass(r, convs, t);
    rj["score"] = s2.json;
    cmp.update(compare_scores(*sc, s2));
  }
  rj["batched_vs_reference"] = cmp;
  return rj;
}

void run(const Args& a) {
  const bool gen = a.mode == "generate" || a.mode == "both", score = a.mode == "score" || a.mode == "both";
  const task::Task t = task::resolve_task(a.task);
  const auto convs = spread_conversations(t, a.points);
  if (!gen && !score) throw Error("--mode: expected generate, score or both, got \"" + a.mode + "\"");
  const int top = a.check_reference ? 1 : 0;
  auto t0 = std::chrono::steady_clock::now();
  llm::LlamaBackend b(a.model);
  const double construct = seconds_since(t0);
  const auto& o = b.options();
  ordered_json j{{"model", o.model_path},
                 {"task", t.name},
                 {"points", convs.size()},
                 {"reference_mode", o.reference_mode},
                 {"n_ctx", o.n_ctx},
                 {"n_batch", o.n_batch},
                 {"n_parallel", o.n_parallel},
                 {"n_threads", o.n_threads},
                 {"kv_f32", o.kv_f32},
                 {"flash_attn", o.flash_attn},
                 {"construct_seconds", construct},
                 {"load_seconds", b.stats().load_seconds},
                 {"hash_seconds", b.stats().hash_seconds}};
  double prompt_tokens = 0;
  for (const auto& c : convs) prompt_tokens += static_cast<double>(b.tokenize(b.render(c)).size());
  j["mean_prompt_tokens"] = prompt_tokens / static_cast<double>(convs.size());
  Pass g1, s1;
  if (gen) j["generate"] = (g1 = generate_pass(b, convs, a.max_tokens, top)).json;
  if (score) j["score"] = (s1 = score_pass(b, convs, t)).json;
  j["stats"] = stats_json(b.stats());
  if (a.check_reference) j["reference"] = reference_passes(a, convs, t, gen ? &g1 : nullptr, score ? &s1 : nullptr);
  fmt::print("{}\n", j.dump(2));
}

void add_options(CLI::App& app, Args& a) {
  llm::LlamaOptions& o = a.model;
  app.add_option("-m,--model", o.model_path, "GGUF model file")->required();
  app.add_option("--n-ctx", o.n_ctx, "KV cache tokens shared by all sequences (0: min(training context, 8192))");
  app.add_option("--n-batch", o.n_batch, "tokens per decode call (0: 512)");
  app.add_option("--n-parallel", o.n_parallel, "sequences in flight (0: 8)");
  app.add_option("--threads", o.n_threads, "CPU threads (0: all)");
  app.add_option("--chat-template", o.chat_template, "Jinja file, llama.cpp built-in template name, or inline Jinja");
  app.add_flag("--reference", o.reference_mode, "one sequence at a time, no prefix sharing");
  app.add_flag("--kv-f32", o.kv_f32, "F32 KV cache (results depend less on batch shape; 2x memory)");
  app.add_option("--flash-attn", o.flash_attn, "-1 auto (llama-server's default), 0 off, 1 on")->capture_default_str();
  app.add_option("--task", a.task)->capture_default_str();
  app.add_option("--points", a.points, "grid points (spread evenly over the grid)")->capture_default_str();
  app.add_option("--max-tokens", a.max_tokens, "tokens per generated answer")->capture_default_str();
  app.add_option("--mode", a.mode, "generate, score or both")->capture_default_str();
  app.add_flag("--check-reference", a.check_reference,
               "also run reference mode: its timing, and how far the batched results are from it "
               "(generation then also computes log-probabilities)");
}

}  // namespace
}  // namespace sceval::bench

int main(int argc, char** argv) {
  CLI::App app{
      "sceval-bench-llm: times decision-map work on a task's turn-1 prompts: greedy generation and "
      "option scoring (in-process llama.cpp)"};
  sceval::bench::Args a;
  sceval::bench::add_options(app, a);
  return sceval::bench::run_program("sceval-bench-llm", app, argc, argv, [&] { sceval::bench::run(a); });
}
