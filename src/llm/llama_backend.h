#pragma once
// The in-process llama.cpp backend: runs a GGUF model on this machine's CPU.
//
// generate() renders each conversation with the chat template, evaluates the token prefix that all
// prompts of the batch share once (and keeps it for the next call), copies its KV cache to every
// sequence, and decodes many sequences per llama_decode call, refilling a sequence's slot as soon as
// it finishes. Each request has its own sampler (greedy at temperature 0, seeded otherwise), so a
// request's result does not depend on its neighbours in the batch, except through floating-point
// rounding: llama.cpp's CPU kernels take different code paths for different batch shapes (see
// src/llm/README.md for what is and is not bit-identical). score_options() evaluates every label
// option as a sequence that shares its request's prompt KV and sums the option tokens' log-probabilities.
//
// Reference mode is the plain path: one sequence at a time, each prompt evaluated from the first
// token, no prefix sharing; this is what llama-server does for a single request.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "llm/backend.h"

namespace sceval::llm {

struct LlamaOptions {
  std::string model_path;
  int n_ctx = 0;       // KV cache size in tokens, shared by all sequences in flight; 0 = min(training context, 8192)
  int n_batch = 0;     // most tokens per llama_decode call; 0 = 512
  int n_parallel = 0;  // sequences in flight; 0 = 8 (1 in reference mode)
  int n_threads = 0;   // 0 = hardware threads
  // Empty: the GGUF's tokenizer.chat_template, or ChatML when it has none (as llama-server does).
  // Otherwise a FILE holding a Jinja template, the NAME of one of llama.cpp's built-in templates
  // (llama_chat_builtin_templates: chatml, llama3, gemma, ...), or inline Jinja source.
  std::string chat_template;
  bool reference_mode = false;
  // Keep the shared prefix's KV from one generate()/score_options() call for the next. Off by
  // default: then every call is a pure function of its batch (its prefix evaluated afresh), so a
  // resumed run that re-sends a chunk computes exactly what the uninterrupted run computed, even
  // where llama.cpp's numerics depend on how the prefix was split across decode calls.
  bool carry_prefix = false;
  // Numerics (defaults = llama-server's, whose output reference mode reproduces bit for bit):
  bool kv_f32 = false;  // KV cache in F32 instead of F16 (smaller batch-composition effects, 2x memory)
  int flash_attn = -1;  // -1 auto (on for CPU), 0 off, 1 on
};

// Counters since the backend was created (for benchmarks and tests; never asserted on timings).
struct LlamaStats {
  double load_seconds = 0;    // model + context creation
  double hash_seconds = 0;    // sha256 of the model file (identity)
  double decode_seconds = 0;  // inside llama_decode
  double sample_seconds = 0;  // sampling, log-softmax
  std::uint64_t decode_calls = 0;
  std::uint64_t tokens_evaluated = 0;      // tokens passed to llama_decode
  std::uint64_t prefix_tokens_reused = 0;  // shared-prefix tokens taken from the KV cache instead of evaluated
  std::uint64_t tokens_generated = 0;
  std::uint64_t preemptions = 0;  // sequences restarted because the KV cache was full
};

// Calls are serialized (one llama.cpp context); use one backend per thread for parallel work.
class LlamaBackend : public Backend {
 public:
  // Loads the model and creates the context. Throws sceval::Error naming the file or the template
  // when the model cannot be loaded or the chat template is unknown or does not render.
  explicit LlamaBackend(LlamaOptions options);
  ~LlamaBackend() override;
  LlamaBackend(const LlamaBackend&) = delete;
  LlamaBackend& operator=(const LlamaBackend&) = delete;

  // "gguf:<sha256 of the file>;llama.cpp:<commit>", plus ";template:<sha256>" when chat_template is
  // set and ";kv:f32" / ";fa:on|off" when the numerics are not llama-server's defaults.
  std::string identity() const override;
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override;
  bool supports_scoring() const override { return true; }
  // Throws sceval::Error naming the request when a prompt does not fit the context or the
  // conversation cannot be rendered (a score has no error field).
  std::vector<OptionScores> score_options(std::span<const LabelScoreRequest> batch) override;

  // The prompt text the model sees (chat template applied, generation prompt added when asked).
  std::string render(const Conversation& messages, bool add_generation_prompt = true) const;
  // Tokens of a prompt, as llama-server tokenizes it (BOS per the vocabulary, special tokens parsed).
  std::vector<std::int32_t> tokenize(const std::string& text) const;

  const LlamaOptions& options() const;  // with every "auto" resolved
  const LlamaStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sceval::llm
