// `sceval llm generate | score`: runs a GGUF model in-process (llm/llama_backend.h). The timing
// driver that was `sceval llm bench` is bench/llm.cpp (sceval-bench-llm).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "llm/llama_backend.h"

namespace sceval::cli {

namespace {

using nlohmann::ordered_json;

struct ModelArgs {
  llm::LlamaOptions o;
  void add(CLI::App* cmd) {
    cmd->add_option("-m,--model", o.model_path, "GGUF model file")->required();
    add_checked_option(cmd, "--ctx", "ctx", o.n_ctx,
                       "KV cache tokens shared by all sequences (0: min(training context, 8192))");
    add_checked_option(cmd, "--batch", "batch", o.n_batch, "tokens per decode call (0: 512)");
    add_checked_option(cmd, "--parallel", "parallel", o.n_parallel, "sequences in flight (0: 8)");
    add_checked_option(cmd, "--threads", "threads", o.n_threads, "CPU threads (0: all)");
    cmd->add_option("--chat-template", o.chat_template,
                    "Jinja file, llama.cpp built-in template name, or inline Jinja");
    cmd->add_flag("--reference-mode", o.reference_mode, "one sequence at a time, no prefix sharing");
    cmd->add_flag("--kv-f32", o.kv_f32, "F32 KV cache (results depend less on batch shape; 2x memory)");
    add_checked_option(cmd, "--flash-attn", "flash_attn", o.flash_attn,
                       "-1 auto (llama-server's default), 0 off, 1 on");
  }
};

Conversation conversation(const std::string& system, const std::string& prompt, const std::string& messages_file) {
  Conversation c;
  if (!messages_file.empty()) {
    const nlohmann::json j = parse_json_bounded(read_file_text(messages_file, "message list"), messages_file);
    const std::string expected = "expected a list of {\"role\": \"...\", \"content\": \"...\"} objects";
    if (!j.is_array()) throw Error(fmt::format("{}: {}, got {}", messages_file, expected, j.type_name()));
    for (std::size_t i = 0; i < j.size(); ++i) {
      const auto& m = j[i];
      for (const char* key : {"role", "content"})
        if (!m.is_object() || !m.contains(key) || !m[key].is_string())
          throw Error(fmt::format("{}: message {}: {}: expected a string ({})", messages_file, i, key, expected));
      c.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
    return c;
  }
  if (!system.empty()) c.push_back({"system", system});
  c.push_back({"user", prompt});
  return c;
}

void add_generate(CLI::App& llm) {
  auto* cmd = llm.add_subcommand("generate", "answer one conversation (greedy unless --temperature)");
  struct Args {
    ModelArgs model;
    std::string prompt, system, messages, schema_file;
    GenerateOptions sampling;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  a->model.add(cmd);
  cmd->add_option("-p,--prompt", a->prompt, "user message");
  cmd->add_option("--system", a->system, "system message");
  cmd->add_option("--messages", a->messages, "JSON file with the message list instead of --prompt");
  add_checked_option(cmd, "--max-tokens", "max_tokens", a->sampling.max_tokens, "most tokens in the answer");
  add_checked_option(cmd, "--temperature", "temperature", a->sampling.temperature, "sampling temperature (0: greedy)");
  add_checked_option(cmd, "--gen-seed", "gen_seed", a->sampling.seed, "generation seed");
  add_checked_option(cmd, "--top-p", "top_p", a->sampling.top_p,
                     "nucleus sampling: the smallest set of tokens with this mass");
  add_checked_option(cmd, "--top-logprobs", "top_logprobs", a->sampling.top_logprobs,
                     "alternatives per generated token (--json)");
  cmd->add_option("--json-schema", a->schema_file, "JSON schema file constraining the answer");
  cmd->add_flag("--json", a->json, "print the result as JSON");
  cmd->callback([a] {
    llm::GenerationRequest r;
    r.messages = conversation(a->system, a->prompt, a->messages);
    r.sampling = a->sampling;
    if (!a->schema_file.empty()) {
      r.sampling.json_schema = parse_json_bounded(read_file_text(a->schema_file, "JSON schema"), a->schema_file);
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
    LabelScoreRequest r{conversation(a->system, a->prompt, a->messages), a->prefix, a->options};
    llm::LlamaBackend b(a->model.o);
    auto s = b.score_options(std::span(&r, 1))[0];
    ordered_json j = ordered_json::array();
    for (std::size_t i = 0; i < a->options.size(); ++i)
      j.push_back({{"option", a->options[i]},
                   {"logprob", s.logprob[i]},
                   {"probability", s.probability[i]},
                   {"n_tokens", s.n_tokens[i]}});
    fmt::print("{}\n", j.dump(2));
  });
}

}  // namespace

void add_llm_commands(CLI::App& app) {
  auto* llm = app.add_subcommand("llm", "run a GGUF model in-process (llama.cpp)");
  llm->require_subcommand(1);
  add_generate(*llm);
  add_score(*llm);
}

}  // namespace sceval::cli
