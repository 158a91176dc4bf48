#include "llm/backend.h"

#include "common/error.h"

namespace sceval::llm {

std::string_view to_string(FinishReason r) {
  switch (r) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Error: return "error";
  }
  return "error";
}

std::vector<Generation> Backend::generate_each(std::span<const GenerationRequest> batch, const ResultCallback& on_result) {
  auto out = generate(batch);
  if (on_result)
    for (std::size_t i = 0; i < out.size(); ++i) on_result(i, out[i]);
  return out;
}

std::vector<OptionScores> Backend::score_options(std::span<const ScoreRequest> /*batch*/) {
  throw Error("this model backend (" + identity() + ") cannot score label options; use free generation");
}

}  // namespace sceval::llm
