#pragma once
// A model's decision map: its turn-1 label at every grid point.
#include <optional>
#include <string>
#include <vector>

#include "grid/closest.h"
#include "task/task.h"

namespace sceval::metrics {

using grid::Label;
inline constexpr Label kNA = grid::kNA;  // no answer (unparseable, empty)
inline constexpr Label kOffLabel = -2;   // an answer that is not one of the options

struct DecisionMap {
  std::vector<Label> labels;                       // per grid index
  std::vector<std::string> answers;                // raw answer text where off-label (else empty)
  std::vector<std::vector<double>> probabilities;  // optional: per point, one per option

  // A map of NA labels over the whole grid, after checking that it fits in memory (labels, answer
  // slots and, with probabilities, one double per option per point).
  static DecisionMap all_na(const grid::Grid& g, bool with_probabilities = false);

  // Label of an answer string as the paper decides it: exact equality with an option.
  static Label label_of(const task::Task& t, std::string_view answer);
  std::size_t count(Label l) const;
};

}  // namespace sceval::metrics
