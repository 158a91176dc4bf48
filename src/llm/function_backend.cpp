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
    throw Error(
        fmt::format("the model function returned {} replies for {} conversations", replies.size(), batch.size()));
  std::vector<Generation> out(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    out[i].text = std::move(replies[i]);
    cut_at_stop(out[i].text, batch[i].sampling.stop);  // as a server would
  }
  return out;
}

void check_log_probabilities(const std::vector<double>& row, std::size_t request) {
  bool any_finite = false;
  for (std::size_t k = 0; k < row.size(); ++k) {
    const double x = row[k];
    // Probabilities (0.7, 0.3) taken as log-probabilities would rank the options the same but give
    // other p_ values and entropies: a value above 0 is no log-probability, so it is refused.
    if (std::isnan(x) || x > 0)
      throw Error(
          fmt::format("the score function returned {} for option {} of request {}: expected a log-probability "
                      "(a finite number <= 0, or -inf for probability 0){}",
                      std::isnan(x) ? "NaN" : fmt::format("{}", x), k, request,
                      x > 0 && x <= 1 ? "; for probabilities p, return log(p)" : ""));
    any_finite = any_finite || std::isfinite(x);
  }
  if (!row.empty() && !any_finite)
    throw Error(
        fmt::format("the score function returned -inf for every option of request {}: at least one option "
                    "needs a probability above 0",
                    request));
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
    check_log_probabilities(lps[i], i);
    double top = -INFINITY;
    for (double x : lps[i]) top = std::max(top, x);
    double sum = 0;
    for (double x : lps[i]) sum += std::exp(x - top);
    out[i].logprob = lps[i];
    for (double x : lps[i]) out[i].probability.push_back(std::exp(x - top) / sum);
    out[i].n_tokens.assign(lps[i].size(), 1);
  }
  return out;
}

}  // namespace sceval::llm
