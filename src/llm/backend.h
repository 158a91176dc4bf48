#pragma once
// The one interface through which everything else talks to a model. Implementations: in-process
// llama.cpp (llama_backend.h); OpenAI-compatible and Anthropic HTTP backends come with the pipeline.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/message.h"
#include "sceval/generate.h"

namespace sceval::llm {

class BatchJournal;  // llm/batch_journal.h

// Where `text` first contains one of `stop` (searching from byte `from` on), or npos.
std::size_t find_stop(std::string_view text, const std::vector<std::string>& stop, std::size_t from = 0);
// Cuts `text` at the first stop string; true if it was cut.
bool cut_at_stop(std::string& text, const std::vector<std::string>& stop);

struct GenerationRequest {
  Conversation messages;
  GenerateOptions sampling;
};

enum class FinishReason { Stop, Length, Error };
std::string_view to_string(FinishReason r);

struct TokenLogprob {
  std::string token;
  double logprob = 0;
  std::vector<std::pair<std::string, double>> top;  // alternatives, best first
};

struct Generation {
  std::string text;
  FinishReason finish = FinishReason::Stop;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  std::vector<TokenLogprob> logprobs;  // when requested
  std::string error;                   // when finish == Error: what went wrong, for the user
  std::string reasoning;               // a server's separate thinking text (llama-server's reasoning_content)
};

// Called once per request of a batch as soon as its answer is final: (position in the batch, answer).
using ResultCallback = std::function<void(std::size_t index, const Generation& answer)>;

struct OptionScores {
  std::vector<double> logprob;      // sum of token log-probs of each option
  std::vector<double> probability;  // softmax of logprob over the options (sums to 1)
  std::vector<int> n_tokens;        // tokens per option
};

class Backend {
 public:
  virtual ~Backend() = default;
  // What determines the answers besides the request (model file hash, server URL + model name,
  // engine version): part of every cache key.
  virtual std::string identity() const = 0;
  // One result per request, in order. A failed request gives FinishReason::Error with its reason;
  // it never throws for one bad request.
  virtual std::vector<Generation> generate(std::span<const GenerationRequest> batch) = 0;
  // generate(), calling `on_result` for each request as its answer arrives (any order, on the
  // calling thread), so a cache can commit answers one by one. Default: after generate() returns.
  virtual std::vector<Generation> generate_each(std::span<const GenerationRequest> batch,
                                                const ResultCallback& on_result);
  // True when an answer does not depend on which other requests share its batch (remote servers):
  // then a cache may store answers one at a time instead of a whole batch at once.
  virtual bool answers_independent_of_batch() const { return false; }
  // True for provider batch APIs (llm/http/batch_backend.h): callers send a whole stage's requests
  // in one generate() call (the backend splits it by the provider's limits), not in chunks.
  virtual bool wants_whole_stage() const { return false; }
  // Such a backend records its submitted batches here (the response cache's table), so a killed
  // run resumes them. Others ignore it.
  virtual void set_batch_journal(std::shared_ptr<BatchJournal> /*journal*/) {}
  virtual bool supports_scoring() const { return false; }
  virtual std::vector<OptionScores> score_options(std::span<const LabelScoreRequest> batch);
};

}  // namespace sceval::llm
