#pragma once
// Private parts of the llama.cpp backend, shared by its .cpp files. Not installed, not included by
// anything outside src/llm/llama_*.cpp.
#include <llama.h>

#include <chat.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "llm/llama_backend.h"

namespace sceval::llm {

using Tokens = std::vector<llama_token>;

namespace detail {

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Process-wide llama.cpp set-up (backend init, log routing) and the recent error lines that llama.cpp
// logged, which explain failures its C API reports only as a null pointer.
void init_llama_once();
void clear_llama_errors();
std::string llama_errors();  // "; "-joined, empty when none

// Length of the longest common prefix.
std::size_t common_prefix(const Tokens& a, const Tokens& b);

// Text as valid UTF-8: invalid byte sequences replaced by U+FFFD exactly as llama-server's JSON
// output does (nlohmann::json error_handler_t::replace).
std::string valid_utf8(const std::string& bytes);

// The sampler chain of one request (grammar / JSON schema, then greedy or top-p + temperature +
// seeded distribution). Throws sceval::Error with the reason when the grammar or schema is invalid.
SamplerPtr make_sampler(const llama_vocab* vocab, const GenerateOptions& p);

// log-softmax helpers over one row of logits.
double log_sum_exp(const float* logits, int n_vocab);
TokenLogprob token_logprob(const llama_vocab* vocab, const float* logits, int n_vocab, llama_token chosen, int top_n);

// RAII timer adding to a seconds counter.
class Timer {
 public:
  explicit Timer(double& sink) : sink_(sink), t0_(std::chrono::steady_clock::now()) {}
  ~Timer() { sink_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  double& sink_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace detail

struct LlamaBackend::Impl {
  std::mutex mutex;  // one call at a time: the context is not thread-safe
  LlamaOptions opt;
  LlamaStats stats;
  std::string identity;
  std::unique_ptr<llama_model, detail::ModelDeleter> model;
  std::unique_ptr<llama_context, detail::ContextDeleter> ctx;
  const llama_vocab* vocab = nullptr;
  int n_vocab = 0;
  int n_ctx = 0;                 // KV cells (llama_n_ctx)
  bool can_share_prefix = true;  // false for recurrent/hybrid memory (no partial sequence removal)

  // Chat template (llama_chat.cpp).
  common_chat_templates_ptr templates;
  bool legacy_template = false;  // a built-in template NAME rendered by llama_chat_apply_template

  // Sequence 0 holds the shared prefix of the last batch; its tokens are kept across calls so that
  // the next batch with the same prompt head (the rest of a decision map) reuses them.
  Tokens prefix;
  llama_batch batch{};
  int batch_capacity = 0;

  ~Impl();
  void load();  // llama_setup.cpp
  void init_chat_template();
  std::string render(const Conversation& messages, bool add_generation_prompt) const;
  Tokens tokenize(const std::string& text) const;

  llama_memory_t memory() const { return llama_get_memory(ctx.get()); }
  int n_parallel() const { return opt.n_parallel; }
  int n_batch() const { return opt.n_batch; }
  // Makes sequence 0 hold tokens[0, n) of `head` (reusing what it already holds) and removes every
  // other sequence. Returns the number of prefix tokens reused from the previous state.
  std::size_t set_prefix(const Tokens& head, std::size_t n);
  // Forgets every sequence and the cached prefix (after an error, to start clean).
  void reset_memory();
  // llama_decode with statistics. Returns llama_decode's status.
  int decode();
  // Evaluates tokens[from, to) into sequence `seq` at positions from.., no logits, in n_batch chunks.
  void evaluate(const Tokens& tokens, std::size_t from, std::size_t to, llama_seq_id seq);
  void batch_add(llama_token token, llama_pos pos, llama_seq_id seq, bool logits);
  void batch_clear() { batch.n_tokens = 0; }

  std::vector<Generation> generate(std::span<const GenerationRequest> batch);  // llama_generate.cpp
  std::vector<OptionScores> score(std::span<const LabelScoreRequest> batch);   // llama_score.cpp

  // The state of one generate() / score() call (members, so that they reach the engine's state).
  class GenerationScheduler;  // llama_generate.cpp
  class ScoringScheduler;     // llama_score.cpp
};

}  // namespace sceval::llm
