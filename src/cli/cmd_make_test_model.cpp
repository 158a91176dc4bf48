// `sceval make-test-model`: writes a random-weight llama GGUF with a real vocabulary.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {

void add_make_test_model_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "make-test-model",
      "write a llama-architecture GGUF with random weights (seeded) and a real vocabulary, for tests");
  static TestModelOptions o;
  static std::string out;
  static bool no_template = false;
  cmd->add_option("--shape", o.shape, "tiny (2 x 64, F32), small (4 x 256, F16) or bench (12 x 768, F16, ~125M)")
      ->capture_default_str();
  add_checked_option(cmd, "--seed", "seed", o.seed, "weights seed (same seed, same bytes)");
  cmd->add_option("--vocab", o.vocab,
                  "vocab-only GGUF to copy the tokenizer from (default: " + default_test_vocab() + ")");
  cmd->add_flag("--no-chat-template", no_template, "store no tokenizer.chat_template (default: ChatML)");
  cmd->add_option("-o,--output", out, "output .gguf file")->required();
  cmd->callback([] {
    o.chat_template = !no_template;
    const auto t0 = std::chrono::steady_clock::now();
    const auto i = make_test_model(out, o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("{}: {} model, {} layers x {} (heads {}/{}, ffn {}), vocab {}, {} parameters, {} bytes, {:.2f} s\n",
               i.path, o.shape, i.layers, i.width, i.heads, i.kv_heads, i.ffn, i.vocab, i.parameters, i.bytes, s);
    fmt::print("sha256 {}\n", i.sha256);
  });
}

}  // namespace sceval::cli
