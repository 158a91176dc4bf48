#pragma once
// Checks a results.json document (schema_version 1, see results_json.h) before anything renders
// or compares it: a tampered or foreign file gets "<file>: <field>: <what>" instead of odd numbers
// on a page. Depends only on the format, so the report can use it without the metrics code.
#include <string>

#include <nlohmann/json.hpp>

namespace sceval::results {

// Throws sceval::Error "<source>: <field path>: expected ..." on the first violation. Required:
// schema_version 1, task.name, task.options (>= 2 strings), the objects paper and strict. Every
// field a reader uses (the report page, compare, sweep summaries) is checked when present: metrics
// are numbers or null (rates in [0, 1], counts >= 0) and a metrics block has n, validity,
// mean_rcf_a, exact_match and tm; ci pairs [low, high]; counts; task.features (>= 1 feature, each
// with >= 1 value) and task.grid_points (the product of their value counts, up to 2^64 - 1); decision_map
// (labels, mode); baselines (each with both modes and their metrics, or "available": false and a
// reason); model (null, or an object whose spec and identity are strings); requests; complete.
// Unknown extra keys are allowed (runs merge their own: settings, timing...).
void validate_results_json(const nlohmann::json& j, const std::string& source);

}  // namespace sceval::results
