#pragma once
// From audit to training data (docs/training.md): for every audited (point, requested label) of a
// run directory, the ideal SCE is the closest counterfactual in the model's own decision map,
// written in the task's answer format. SFT rows (OpenAI chat fine-tuning format) or DPO rows (TRL
// conversational preference format, rejected = the model's own SCE where it was not the ideal).
#include <string>

#include <nlohmann/json.hpp>

namespace sceval {

struct ExportTrainingOptions {
  std::string format = "sft";  // sft | dpo (TRL) | openai-dpo (OpenAI preference fine-tuning) | prompts (RL)
  std::string split;           // random:FRACTION:SEED or a feature predicate (age>=50); empty: every point trains
  std::string split_out;       // write the split here (train/heldout indices, the run's sha256)
  bool include_turn1 = false;  // sft: also a turn-1 row (the model's own answer) per point
  std::string turn1_points = "train";  // train | all
  std::string task;                    // task name or file; empty: the one results.json names
};

// Writes out_jsonl; returns a summary: output, format, rows, split sizes, skipped-row counts.
nlohmann::ordered_json export_training(const std::string& run_dir, const std::string& out_jsonl,
                                       const ExportTrainingOptions& o = {});

}  // namespace sceval
