#pragma once
// The rows of a text audit: one per (item, requested label), filled stage by stage (run.cpp), then
// written as sces.csv and summarised in results.json (results.cpp).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/aggregate.h"
#include "sceval/table.h"
#include "text/text_task.h"

namespace sceval::text {

// A label read from a reply: an option index, or NA (-1) with the reason.
struct Answer {
  int label = -1;
  std::string text, reason;
};

struct AuditRow {
  std::size_t item = 0;  // index into TextTask::items
  Answer original;       // turn 1 (the item's prediction; shared by its rows)
  int target = 0;        // the requested label
  std::string revised;   // the SCE (empty when none was parsed)
  bool generated = false;
  std::string generated_reason;  // why not: request_failed | no_marker | ... | unchanged | too_short
  Answer fresh, history;         // the revised text asked afresh, and in the SCE's own chat
  std::size_t levenshtein = 0, hunks = 0, words = 0;
  double levenshtein_normalized = 0;
  // The minimal flipping sub-edit (valid SCEs of an item whose own label is another option).
  bool searched = false, censored = false;
  std::size_t minimal_hunks = 0, minimal_words = 0, minimal_levenshtein = 0, queries = 0;
  std::string minimal_text;

  std::optional<bool> valid() const;  // NA: not generated, or the fresh reply unusable
  std::optional<bool> valid_with_history() const;
  std::optional<double> excess() const;  // 1 - minimal/SCE character distance; searched and not censored
};

Table sce_table(const TextTask& t, const std::vector<AuditRow>& rows);
Table prediction_table(const TextTask& t, const std::vector<std::size_t>& items, const std::vector<Answer>& answers);
// results.json's metrics: overall with bootstrap CIs over items, per requested label, counts.
nlohmann::json metrics_json(const TextTask& t, const std::vector<AuditRow>& rows, const metrics::BootstrapSettings& bs);

}  // namespace sceval::text
