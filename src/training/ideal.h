#pragma once
// The ideal self-counterfactual: the closest point of the requested label in the model's own
// decision map (exact arithmetic, grid::BoundaryDistances' tie rule: lowest grid index, as
// `sceval closest`), written in the task's answer format.
#include <optional>
#include <string>

#include "grid/closest.h"
#include "grid/grid.h"
#include "task/task.h"

namespace sceval::training {

// The follow-up answer for a grid record: a JSON object with each feature's key and value (numbers
// for integer features, level texts otherwise), in feature order, spaced as Python's json.dumps:
//   {"age": 40, "education": 19}
std::string answer_text(const grid::Grid& g, const grid::Record& rec);

// The same, checked: sceval's own SCE parser (paper key lookup, the strictest) must read the text
// back to exactly `rec`; nullopt when the task's answer format cannot express the point.
std::optional<std::string> checked_answer_text(const grid::Grid& g, const grid::Record& rec);

// The turn-1 answer for a label, as the task asks for it: {"<answer_key>": "<option>"}.
std::string label_answer_text(const task::Task& t, int option);

}  // namespace sceval::training
