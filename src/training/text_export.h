#pragma once
// Training rows from a text run (docs/training.md "Text runs"): the ideal reply to the
// counterfactual request is the minimal flipping sub-edit of a valid SCE, in the task's answer
// format; the prompt is the run's own chat (prediction, the model's reply, the request).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/export.h"

namespace sceval::training {

struct TextExport {
  std::vector<nlohmann::ordered_json> rows;
  ExportStats stats;             // heldout counts rows of held-out items
  nlohmann::ordered_json split;  // null without a split; else what --split-out writes
  std::size_t train_items = 0, heldout_items = 0;
};

// True when DIR/results.json says "protocol": "text".
bool is_text_run(const std::string& dir);

// format: Sft, Dpo or OpenAiDpo. split: "" or random:FRACTION:SEED over the task's items (the
// same draw as a grid split of as many points). task_override: a task name or file, else the
// task file results.json names (or its name). Throws sceval::Error naming file and line on bad input.
TextExport export_text_training(const std::string& dir, Format format, const std::string& split,
                                const std::string& task_override = {});

}  // namespace sceval::training
