// `sceval make-test-model`: writes a random-weight llama GGUF with a real vocabulary (llm/test_model.h).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "cli/commands.h"
#include "common/error.h"
#include "common/sha256.h"
#include "llm/test_model.h"

namespace sceval::cli {

void add_make_test_model_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "make-test-model",
      "write a llama-architecture GGUF with random weights (seeded) and a real vocabulary, for tests");
  struct Args {
    std::string shape = "tiny";
    std::uint64_t seed = 1;
    std::string vocab;
    std::string out;
    bool no_template = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--shape", args->shape, "tiny (2 x 64, F32), small (4 x 256, F16) or bench (12 x 768, F16, ~125M)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "weights seed (same seed, same bytes)")->capture_default_str();
  cmd->add_option("--vocab", args->vocab, "vocab-only GGUF to copy the tokenizer from (default: llama.cpp's " +
                                              llm::default_test_vocab() + ")");
  cmd->add_flag("--no-chat-template", args->no_template, "store no tokenizer.chat_template (default: ChatML)");
  cmd->add_option("-o,--output", args->out, "output .gguf file")->required();
  cmd->callback([args] {
    auto shape = llm::test_model_shape_from_string(args->shape);
    if (!shape) throw Error("--shape: expected tiny, small or bench, got \"" + args->shape + "\"");
    llm::TestModelOptions o;
    o.shape = *shape;
    o.seed = args->seed;
    o.vocab_path = args->vocab;
    if (args->no_template) o.chat_template.reset();
    auto t0 = std::chrono::steady_clock::now();
    auto info = llm::write_test_model(args->out, o);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto& sp = info.spec;
    fmt::print("{}: {} model, {} layers x {} (heads {}/{}, ffn {}), vocab {}, {} parameters, {} bytes, {:.2f} s\n",
               info.path, args->shape, sp.n_layer, sp.n_embd, sp.n_head, sp.n_head_kv, sp.n_ff, info.n_vocab,
               info.n_params, info.n_bytes, s);
    fmt::print("sha256 {}\n", sha256_file(info.path));
  });
}

}  // namespace sceval::cli
