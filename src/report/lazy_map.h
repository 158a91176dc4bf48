#pragma once
// Lazy decision maps (results.json `decision_map.mode` = "lazy"): the run asked the labels of only
// some grid points, so its map table has rows for those points alone. The report draws the others
// as "not asked" and takes no boundary or step that would need a label nobody asked for.
#include <cstdint>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "report/geometry.h"

namespace sceval::report {

bool is_lazy_map(const nlohmann::json& results);

// The grid's axes: results.json `task.features` ([{name, values}] in grid order) when present;
// otherwise the values the asked points show, which must then be all of them: every row's `index`
// must equal its mixed-radix index over those values (Error otherwise, naming the file and row).
Axes lazy_axes(const nlohmann::json& results, const Table& asked);

// (grid index, label position) of every asked point, by the map table's `label` column.
std::vector<std::pair<std::int64_t, int>> asked_labels(const Axes& ax, const Table& asked,
                                                       const std::vector<std::string>& options);

// Boundary edges between asked neighbours with two different options.
std::vector<Edge> asked_boundary(const Axes& ax, const std::vector<std::pair<std::int64_t, int>>& labels);

}  // namespace sceval::report
