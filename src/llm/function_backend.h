#pragma once
// A Backend made of functions (a rule, or a model in the caller's own process, e.g. Python): the
// library's Model::from_functions. It goes through the same cache, chunks and resume as any other.
#include <functional>
#include <string>
#include <vector>

#include "llm/backend.h"

namespace sceval::llm {

using GenerateFn = std::function<std::vector<std::string>(std::span<const GenerationRequest>)>;
using ScoreFn = std::function<std::vector<std::vector<double>>(std::span<const LabelScoreRequest>)>;  // log-probs

// A score function's row for request `request` (0-based in its batch), refused unless every value
// is a log-probability: not NaN, not above 0 (so not +inf, and not a probability such as 0.7: the
// two are told apart by refusing what no log-probability can be), and not -inf for every option.
void check_log_probabilities(const std::vector<double>& row, std::size_t request);

class FunctionBackend : public Backend {
 public:
  FunctionBackend(std::string identity, GenerateFn generate, ScoreFn score = {});
  std::string identity() const override { return identity_; }
  // The function's exceptions propagate (the cache keeps the answers of earlier chunks).
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override;
  bool supports_scoring() const override { return static_cast<bool>(score_); }
  std::vector<OptionScores> score_options(std::span<const LabelScoreRequest> batch) override;

 private:
  std::string identity_;
  GenerateFn generate_;
  ScoreFn score_;
};

}  // namespace sceval::llm
