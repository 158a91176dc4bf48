#include "llm/backend.h"

#include <algorithm>

#include "common/error.h"

namespace sceval::llm {

std::string_view to_string(FinishReason r) {
  switch (r) {
    case FinishReason::Stop:
      return "stop";
    case FinishReason::Length:
      return "length";
    case FinishReason::Error:
      return "error";
  }
  return "error";
}

std::vector<Generation> Backend::generate_each(std::span<const GenerationRequest> batch,
                                               const ResultCallback& on_result) {
  auto out = generate(batch);
  if (on_result)
    for (std::size_t i = 0; i < out.size(); ++i) on_result(i, out[i]);
  return out;
}

std::size_t find_stop(std::string_view text, const std::vector<std::string>& stop, std::size_t from) {
  std::size_t best = std::string_view::npos;
  for (const auto& s : stop) {
    if (s.empty()) continue;
    auto pos = text.find(s, std::min(from, text.size()));
    if (pos < best) best = pos;
  }
  return best;
}

bool cut_at_stop(std::string& text, const std::vector<std::string>& stop) {
  auto pos = find_stop(text, stop);
  if (pos == std::string::npos) return false;
  text.resize(pos);
  return true;
}

std::vector<OptionScores> Backend::score_options(std::span<const LabelScoreRequest> /*batch*/) {
  throw Error("this model backend (" + identity() + ") cannot score label options; use free generation");
}

}  // namespace sceval::llm
