#include "llm/function_backend.h"

#include <fmt/format.h>

#include <cmath>

#include "common/error.h"

namespace sceval::llm {

FunctionBackend::FunctionBackend(std::string identity, GenerateFn generate, ScoreFn score)
    : identity_("function:" + std::move(identity)), generate_(std::move(generate)), score_(std::move(score)) {
  if (!generate_) throw Error("a model made of functions needs a generate function");
}

std::vector<Generation> FunctionBackend::generate(std::span<const GenerationRequest> batch) {
  std::vector<std::string> replies = generate_(batch);
  if (replies.size() != batch.size())
    throw Error(fmt::format("the model function returned {} replies for {} conversations", replies.size(), batch.size()));
  std::vector<Generation> out(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    out[i].text = std::move(replies[i]);
    cut_at_stop(out[i].text, batch[i].sampling.stop);  // as a server would
  }
  return out;
}

std::vector<OptionScores> FunctionBackend::score_options(std::span<const LabelScoreRequest> batch) {
  if (!score_) return Backend::score_options(batch);
  auto lps = score_(batch);
  if (lps.size() != batch.size())
    throw Error(fmt::format("the score function returned {} results for {} requests", lps.size(), batch.size()));
  std::vector<OptionScores> out(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (lps[i].size() != batch[i].options.size())
      throw Error(fmt::format("the score function returned {} log-probabilities for {} options (request {})",
                              lps[i].size(), batch[i].options.size(), i));
    double top = -INFINITY;
    for (double x : lps[i]) {
      if (std::isnan(x)) throw Error(fmt::format("the score function returned NaN (request {})", i));
      top = std::max(top, x);
    }
    double sum = 0;
    for (double x : lps[i]) sum += std::exp(x - top);
    out[i].logprob = lps[i];
    for (double x : lps[i]) out[i].probability.push_back(std::exp(x - top) / sum);
    out[i].n_tokens.assign(lps[i].size(), 1);
  }
  return out;
}

}  // namespace sceval::llm
