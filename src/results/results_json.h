#pragma once
// results.json (schema_version 1): task, settings, and for each mode (`paper`, `strict`) an object
// with `metrics` (rates as fractions, NaN as null), `ci` (key -> [low, high]) and `counts`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grid/distance.h"
#include "metrics/aggregate.h"

namespace sceval::results {

inline constexpr int kSchemaVersion = 1;

nlohmann::json number_or_null(double x);

nlohmann::json mode_json(const grid::Distance& dist, const std::vector<metrics::SceScore>& scores,
                         const std::vector<metrics::SceInput>& inputs, const metrics::BootstrapSettings& bs);

// The whole document for a scored run; `extra` (settings, model, timing...) is merged at top level.
nlohmann::json results_json(const task::Task& task, const grid::Grid& g, const metrics::DecisionMap& map,
                            task::DistanceKind distance, const nlohmann::json& paper, const nlohmann::json& strict,
                            const metrics::BootstrapSettings& bs, const nlohmann::json& extra = {});

// Atomic (temporary file + rename): a failed write leaves the old file whole.
void write_json(const nlohmann::json& j, const std::string& path);
std::string json_text(const nlohmann::json& j);  // what write_json writes
// Bounded parse (common/json_bounded.h); read_results_json also validates the schema.
nlohmann::json read_json(const std::string& path);
nlohmann::json read_results_json(const std::string& path);

}  // namespace sceval::results
