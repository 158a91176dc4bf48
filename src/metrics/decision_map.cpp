#include "metrics/decision_map.h"

#include <algorithm>

namespace sceval::metrics {

Label DecisionMap::label_of(const task::Task& t, std::string_view answer) {
  if (answer.empty() || answer == "NA") return kNA;
  if (auto i = t.option_index(answer)) return static_cast<Label>(*i);
  return kOffLabel;
}

std::size_t DecisionMap::count(Label l) const {
  return static_cast<std::size_t>(std::count(labels.begin(), labels.end(), l));
}

}  // namespace sceval::metrics
