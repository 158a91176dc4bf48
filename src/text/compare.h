#pragma once
// Paired comparison of two text runs (docs/text.md "Comparing two runs"): rows paired by
// (item id, requested label), B - A per metric with a percentile bootstrap CI that resamples items.
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/aggregate.h"

namespace sceval::text {

// Refuses (sceval::Error naming both files) two runs that are not of one text task: another task
// name, options, item count or items file. `where_*` name the results.json files.
void check_same_text_task(const nlohmann::json& a, const std::string& where_a, const nlohmann::json& b,
                          const std::string& where_b);

// The comparison of two finished text run directories of one task (check_same_text_task first);
// `results_a` is A's results.json. JSON: protocol, a, b, task, pairs, items, only_in_a, only_in_b,
// points (null), bootstrap, difference, ci, n (pairs counted per metric), values {a, b}.
nlohmann::json compare_runs(const std::string& dir_a, const nlohmann::json& results_a, const std::string& dir_b,
                            const metrics::BootstrapSettings& bs);

}  // namespace sceval::text
