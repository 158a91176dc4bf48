#pragma once
// A finished text run's sces.csv read back (what compare and export-training need of each row),
// with errors naming the file, line and column.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sceval::text {

struct SceRecord {
  std::string id, target, original_answer, revised_text, minimal_text;
  bool generated = false;
  std::optional<bool> valid, valid_with_history, censored;  // censored: set only for searched rows
  std::optional<double> levenshtein_normalized, excess;
  bool searched() const { return censored.has_value(); }
};

std::vector<SceRecord> read_sce_records(const std::string& path);

// True when a results.json (already parsed) is of a text run ("protocol": "text").
bool is_text_results(const nlohmann::json& results);

}  // namespace sceval::text
