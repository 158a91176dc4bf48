// `sceval llm generate | score | bench`: runs a GGUF model in-process (llm/llama_backend.h).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "grid/grid.h"
#include "llm/llama_backend.h"
#include "task/registry.h"
#include "task/render.h"

namespace sceval::cli {

namespace {

using nlohmann::ordered_json;

struct ModelArgs {
  llm::LlamaOptions o;
  void add(CLI::App* cmd) {
    cmd->add_option("-m,--model", o.model_path, "GGUF model file")->required();
    cmd->add_option("--n-ctx", o.n_ctx, "KV cache tokens shared by all sequences (0: min(training context, 8192))");
    cmd->add_option("--n-batch", o.n_batch, "tokens per decode call (0: 512)");
    cmd->add_option("--n-parallel", o.n_parallel, "sequences in flight (0: 8)");
    cmd->add_option("--threads", o.n_threads, "CPU threads (0: all)");
    cmd->add_option("--chat-template", o.chat_template, "Jinja file, llama.cpp built-in template name, or inline Jinja");
    cmd->add_flag("--reference", o.reference_mode, "one sequence at a time, no prefix sharing");
    cmd->add_flag("--kv-f32", o.kv_f32, "F32 KV cache (results depend less on batch shape; 2x memory)");
    cmd->add_option("--flash-attn", o.flash_attn, "-1 auto (llama-server's default), 0 off, 1 on")->capture_default_str();
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Conversation conversation(const std::string& system, const std::string& prompt, const std::string& messages_file) {
  Conversation c;
  if (!messages_file.empty()) {
    std::ifstream in(messages_file);
    if (!in) throw Error("cannot read " + messages_file);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
      for (const auto& m : j) c.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
    } catch (const nlohmann::json::exception& e) {
      throw Error(messages_file + ": expected [{\"role\": ..., \"content\": ...}, ...]: " + e.what());
    }
    return c;
  }
  if (!system.empty()) c.push_back({"system", system});
  c.push_back({"user", prompt});
  return c;
}

ordered_json stats_json(const llm::LlamaStats& s) {
  return {{"load_seconds", s.load_seconds},       {"hash_seconds", s.hash_seconds},
          {"decode_seconds", s.decode_seconds},   {"sample_seconds", s.sample_seconds},
          {"decode_calls", s.decode_calls},       {"tokens_evaluated", s.tokens_evaluated},
          {"prefix_tokens_reused", s.prefix_tokens_reused}, {"tokens_generated", s.tokens_generated},
          {"preemptions", s.preemptions}};
}

void add_generate(CLI::App& llm) {
  auto* cmd = llm.add_subcommand("generate", "answer one conversation (greedy unless --temperature)");
  struct Args {
    ModelArgs model;
    std::string prompt, system, messages, schema_file;
    llm::SamplingParams sampling;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  a->model.add(cmd);
  cmd->add_option("-p,--prompt", a->prompt, "user message");
  cmd->add_option("--system", a->system, "system message");
  cmd->add_option("--messages", a->messages, "JSON file with the message list instead of --prompt");
  cmd->add_option("--max-tokens", a->sampling.max_tokens)->capture_default_str();
  cmd->add_option("--temperature", a->sampling.temperature)->capture_default_str();
  cmd->add_option("--seed", a->sampling.seed)->capture_default_str();
  cmd->add_option("--top-p", a->sampling.top_p)->capture_default_str();
  cmd->add_option("--top-logprobs", a->sampling.top_logprobs);
  cmd->add_option("--json-schema", a->schema_file, "JSON schema file constraining the answer");
  cmd->add_flag("--json", a->json, "print the result as JSON");
  cmd->callback([a] {
    llm::GenerationRequest r;
    r.messages = conversation(a->system, a->prompt, a->messages);
    r.sampling = a->sampling;
    if (!a->schema_file.empty()) {
      std::ifstream in(a->schema_file);
      if (!in) throw Error("cannot read " + a->schema_file);
      try {
        r.sampling.json_schema = nlohmann::json::parse(in);
      } catch (const nlohmann::json::exception& e) {
        throw Error(a->schema_file + ": " + e.what());
      }
    }
    llm::LlamaBackend b(a->model.o);
    auto g = b.generate(std::span(&r, 1))[0];
    if (g.finish == llm::FinishReason::Error) throw Error(g.error);
    if (!a->json) {
      fmt::print("{}\n", g.text);
      return;
    }
    ordered_json j{{"text", g.text},
                   {"finish", llm::to_string(g.finish)},
                   {"prompt_tokens", g.prompt_tokens},
                   {"completion_tokens", g.completion_tokens},
                   {"identity", b.identity()}};
    if (!g.logprobs.empty()) {
      auto& lp = j["logprobs"] = ordered_json::array();
      for (const auto& t : g.logprobs) {
        ordered_json top = ordered_json::array();
        for (const auto& [tok, p] : t.top) top.push_back({{"token", tok}, {"logprob", p}});
        lp.push_back({{"token", t.token}, {"logprob", t.logprob}, {"top", top}});
      }
    }
    fmt::print("{}\n", j.dump(2));
  });
}

void add_score(CLI::App& llm) {
  auto* cmd = llm.add_subcommand("score", "log-probabilities of label options after a conversation");
  struct Args {
    ModelArgs model;
    std::string prompt, system, messages, prefix = "{\"answer\": \"";
    std::vector<std::string> options;
  };
  auto a = std::make_shared<Args>();
  a->model.add(cmd);
  cmd->add_option("-p,--prompt", a->prompt, "user message");
  cmd->add_option("--system", a->system, "system message");
  cmd->add_option("--messages", a->messages, "JSON file with the message list instead of --prompt");
  cmd->add_option("--prefix", a->prefix, "answer text before the option")->capture_default_str();
  cmd->add_option("-o,--option", a->options, "a label option (repeat)")->required();
  cmd->callback([a] {
    llm::ScoreRequest r{conversation(a->system, a->prompt, a->messages), a->prefix, a->options};
    llm::LlamaBackend b(a->model.o);
    auto s = b.score_options(std::span(&r, 1))[0];
    ordered_json j = ordered_json::array();
    for (std::size_t i = 0; i < a->options.size(); ++i)
      j.push_back({{"option", a->options[i]}, {"logprob", s.logprob[i]}, {"probability", s.probability[i]},
                   {"n_tokens", s.n_tokens[i]}});
    fmt::print("{}\n", j.dump(2));
  });
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
  std::vector<llm::ScoreRequest> reqs;
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

// Batched against reference: sequences whose greedy tokens differ, the largest log-probability
// difference before they do, and the largest option-score difference.
ordered_json compare(const Pass& gen, const Pass& gen_ref, const Pass& sc, const Pass& sc_ref) {
  ordered_json j;
  if (!gen_ref.generations.empty()) {
    int diverged = 0;
    double max_diff = 0;
    for (std::size_t i = 0; i < gen.generations.size(); ++i) {
      const auto& a = gen.generations[i].logprobs;
      const auto& b = gen_ref.generations[i].logprobs;
      for (std::size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
        if (a[k].token != b[k].token) {
          ++diverged;
          break;
        }
        max_diff = std::max(max_diff, std::abs(a[k].logprob - b[k].logprob));
      }
      diverged += a.size() != b.size() && std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(std::min(a.size(), b.size())), b.begin(),
                                                     [](const auto& x, const auto& y) { return x.token == y.token; });
    }
    j["generate_sequences_diverged"] = diverged;
    j["generate_max_abs_logprob_diff"] = max_diff;
  }
  if (!sc_ref.scores.empty()) {
    double max_diff = 0, max_p = 0;
    int flips = 0;
    for (std::size_t i = 0; i < sc.scores.size(); ++i) {
      const auto& a = sc.scores[i];
      const auto& b = sc_ref.scores[i];
      for (std::size_t o = 0; o < a.logprob.size(); ++o) {
        max_diff = std::max(max_diff, std::abs(a.logprob[o] - b.logprob[o]));
        max_p = std::max(max_p, std::abs(a.probability[o] - b.probability[o]));
      }
      flips += std::max_element(a.probability.begin(), a.probability.end()) - a.probability.begin() !=
               std::max_element(b.probability.begin(), b.probability.end()) - b.probability.begin();
    }
    j["score_max_abs_logprob_diff"] = max_diff;
    j["score_max_abs_probability_diff"] = max_p;
    j["score_top_option_changes"] = flips;
  }
  return j;
}

void add_bench(CLI::App& llm) {
  auto* cmd = llm.add_subcommand(
      "bench", "times decision-map work on a task's turn-1 prompts: greedy generation and option scoring");
  struct Args {
    ModelArgs model;
    std::string task = "income", mode = "both";
    std::size_t points = 256;
    int max_tokens = 16;
    bool check_reference = false;
  };
  auto a = std::make_shared<Args>();
  a->model.add(cmd);
  cmd->add_option("--task", a->task)->capture_default_str();
  cmd->add_option("--points", a->points, "grid points (spread evenly over the grid)")->capture_default_str();
  cmd->add_option("--max-tokens", a->max_tokens, "tokens per generated answer")->capture_default_str();
  cmd->add_option("--mode", a->mode, "generate, score or both")->capture_default_str();
  cmd->add_flag("--check-reference", a->check_reference,
                "also run reference mode: its timing, and how far the batched results are from it "
                "(generation then also computes log-probabilities)");
  cmd->callback([a] {
    const task::Task t = task::resolve_task(a->task);
    const grid::Grid g(t);
    const std::size_t n = std::min<std::size_t>(a->points, g.size());
    std::vector<Conversation> convs;
    for (std::size_t k = 0; k < n; ++k) {
      auto rec = g.record(static_cast<grid::Index>(k * g.size() / n));
      convs.push_back(task::turn1_messages(t, rec));
    }
    const bool gen = a->mode == "generate" || a->mode == "both", score = a->mode == "score" || a->mode == "both";
    if (!gen && !score) throw Error("--mode: expected generate, score or both, got \"" + a->mode + "\"");
    const int top = a->check_reference ? 1 : 0;
    auto t0 = std::chrono::steady_clock::now();
    llm::LlamaBackend b(a->model.o);
    const double construct = seconds_since(t0);
    const auto& o = b.options();
    ordered_json j{{"model", o.model_path},     {"task", t.name},         {"points", n},
                   {"reference_mode", o.reference_mode}, {"n_ctx", o.n_ctx}, {"n_batch", o.n_batch},
                   {"n_parallel", o.n_parallel}, {"n_threads", o.n_threads}, {"kv_f32", o.kv_f32},
                   {"flash_attn", o.flash_attn}, {"construct_seconds", construct},
                   {"load_seconds", b.stats().load_seconds}, {"hash_seconds", b.stats().hash_seconds}};
    double prompt_tokens = 0;
    for (const auto& c : convs) prompt_tokens += static_cast<double>(b.tokenize(b.render(c)).size());
    j["mean_prompt_tokens"] = prompt_tokens / static_cast<double>(n);
    Pass g1, s1, g2, s2;
    if (gen) j["generate"] = (g1 = generate_pass(b, convs, a->max_tokens, top)).json;
    if (score) j["score"] = (s1 = score_pass(b, convs, t)).json;
    j["stats"] = stats_json(b.stats());
    if (a->check_reference) {
      auto ro = a->model.o;
      ro.reference_mode = true;
      llm::LlamaBackend r(ro);
      ordered_json rj;
      if (gen) rj["generate"] = (g2 = generate_pass(r, convs, a->max_tokens, top)).json;
      if (score) rj["score"] = (s2 = score_pass(r, convs, t)).json;
      rj["batched_vs_reference"] = compare(g1, g2, s1, s2);
      j["reference"] = rj;
    }
    fmt::print("{}\n", j.dump(2));
  });
}

}  // namespace

void add_llm_commands(CLI::App& app) {
  auto* llm = app.add_subcommand("llm", "run a GGUF model in-process (llama.cpp)");
  llm->require_subcommand(1);
  add_generate(*llm);
  add_score(*llm);
  add_bench(*llm);
}

}  // namespace sceval::cli
