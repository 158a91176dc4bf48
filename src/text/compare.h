#pragma once
// Paired comparison of two text runs (docs/text.md "Comparing two runs"): rows paired by
// (item id, requested label), B - A per metric with a percentile bootstrap CI that resamples items.
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/aggregate.h"

namespace sceval::text {

// Refuses (sceval::Error naming both files) two runs that are not of one text task: another task
// name, options, item count or items file. `where_*` name the results.json files.
void check_same_text_task(const nlohmann::json& a, const std::string& where_a, const nlohmann::json& b,
                          const std::string& where_b);

// The item ids of "SPLIT.json:heldout" | "SPLIT.json:train", a split of a text task's items
// (export-training --split on a text run). Throws sceval::Error naming the file and field for
// another task, a split of grid points or a bad spec.
std::set<std::string> read_item_selection(const std::string& spec, const std::string& task_name);

// The comparison of two finished text run directories of one task (check_same_text_task first);
// `results_a` is A's results.json; `points` ("" or a spec for read_item_selection) keeps only
// those items' rows. JSON: protocol, a, b, task, pairs, items, only_in_a, only_in_b, points,
// bootstrap, difference, ci, n (pairs counted per metric), values {a, b}.
nlohmann::json compare_runs(const std::string& dir_a, const nlohmann::json& results_a, const std::string& dir_b,
                            const metrics::BootstrapSettings& bs, const std::string& points = "");

}  // namespace sceval::text
