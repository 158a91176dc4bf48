#include "metrics/decision_map.h"

#include <algorithm>
#include <cmath>

namespace sceval::metrics {

DecisionMap DecisionMap::all_na(const grid::Grid& g, bool with_probabilities) {
  const double options = static_cast<double>(g.task().options.size());
  const double per_point = sizeof(Label) + sizeof(std::string) + 1 +  // label, answer slot, "seen" bit
                           (with_probabilities ? sizeof(std::vector<double>) + options * sizeof(double) : 0.0);
  grid::require_grid_memory(g, per_point, "a full decision map");
  DecisionMap m;
  m.labels.assign(g.size(), kNA);
  m.answers.assign(g.size(), "");
  if (with_probabilities) m.probabilities.assign(g.size(), std::vector<double>(g.task().options.size(), std::nan("")));
  return m;
}

Label DecisionMap::label_of(const task::Task& t, std::string_view answer) {
  if (answer.empty() || answer == "NA") return kNA;
  if (auto i = t.option_index(answer)) return static_cast<Label>(*i);
  return kOffLabel;
}

std::size_t DecisionMap::count(Label l) const {
  return static_cast<std::size_t>(std::count(labels.begin(), labels.end(), l));
}

}  // namespace sceval::metrics
