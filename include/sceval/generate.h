#pragma once
// What is asked of a model besides the conversation: the generation settings of one request, and
// a label-scoring request (soft decision maps). The same types travel from the public API through
// the response cache to every backend.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sceval/message.h"
#include "sceval/options.h"

namespace sceval {

struct GenerateOptions {
  double temperature = 0.0;                   // the paper: 0 (greedy)
  std::uint64_t seed = kPaperGenerationSeed;  // used when temperature > 0
  int max_tokens = kPaperMaxTokens;
  // The reply ends just before the first occurrence of any of these strings (not included), as
  // OpenAI's "stop". Empty: only the model's end-of-generation token or max_tokens end it.
  std::vector<std::string> stop;
  double top_p = 1.0;
  std::optional<std::string> grammar;         // GBNF, constrains the output (in-process engine)
  std::optional<nlohmann::json> json_schema;  // converted to a grammar
  int top_logprobs = 0;                       // > 0: return this many alternatives per generated token
};

// Label scoring: the log-probability of each option's full token sequence after the rendered
// conversation (with the generation prompt) followed by `answer_prefix` (e.g. `{"answer": "`).
struct LabelScoreRequest {
  Conversation messages;
  std::string answer_prefix;
  std::vector<std::string> options;
};

}  // namespace sceval
