#pragma once
// Checks a results.json document (schema_version 1, see results_json.h) before anything renders
// or compares it: a tampered or foreign file gets "<file>: <field>: <what>" instead of odd numbers
// on a page. Depends only on the format, so the report can use it without the metrics code.
#include <string>

#include <nlohmann/json.hpp>

namespace sceval::results {

// Throws sceval::Error "<source>: <field path>: expected ..." on the first violation. Unknown
// extra top-level keys are allowed (runs merge their own: settings, model, timing...).
void validate_results_json(const nlohmann::json& j, const std::string& source);

}  // namespace sceval::results
