#pragma once
// The decision-map interchange format (README "File formats"):
//   index,<feature names...>,label[,p_<option>...]
// one row per grid point; label = option text, empty = NA, any other text = off-label answer.
#include <string>

#include "common/csv.h"
#include "grid/grid.h"
#include "metrics/decision_map.h"

namespace sceval::results {

// Rows may omit `index` (it is computed from the features); when both are given they must agree.
// Points without a row are NA. Errors name the file, line and column.
metrics::DecisionMap read_decision_map(const grid::Grid& g, const std::string& path);
// The same from a parsed table (CSV text from memory, e.g. a pandas DataFrame); messages name t.source.
metrics::DecisionMap read_decision_map(const grid::Grid& g, const Table& t);
void write_decision_map(const grid::Grid& g, const metrics::DecisionMap& map, const std::string& path);
Table decision_map_table(const grid::Grid& g, const metrics::DecisionMap& map);  // what it writes

// Shared by both CSV formats: "<prefix><feature name>" columns -> a grid record, or an error text.
std::string format_number(double x);  // shortest round-trip text; NaN -> empty

}  // namespace sceval::results
