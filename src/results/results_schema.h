#pragma once
// Checks a results.json document (schema_version 1, see results_json.h) before anything renders
// or compares it: a tampered or foreign file gets "<file>: <field>: <what>" instead of odd numbers
// on a page. Depends only on the format, so the report can use it without the metrics code.
#include <string>

#include <nlohmann/json.hpp>

namespace sceval::results {

// Throws sceval::Error "<source>: <field path>: expected ..." on the first violation. Required:
// schema_version 1, task.name, task.options (>= 2 strings), the objects paper and strict; every
// other known field is checked when present (metrics: numbers or null, rates in [0, 1], counts
// >= 0; ci pairs; complete: boolean...). Unknown extra keys are allowed (runs merge their own:
// settings, model, timing...).
void validate_results_json(const nlohmann::json& j, const std::string& source);

}  // namespace sceval::results
