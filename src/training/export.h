#pragma once
// Training rows from an audited run: SFT conversations (OpenAI chat fine-tuning format), DPO pairs
// (TRL's conversational preference format, or OpenAI's preference fine-tuning format), and the
// prompt dataset of RL against the verifier (TRL's conversational prompt-only format with the
// columns sceval.reward reads), see docs/training.md.
#include <cstddef>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/run_data.h"
#include "training/split.h"

namespace sceval::training {

enum class Format { Sft, Dpo, OpenAiDpo, Prompts };
std::optional<Format> format_from_string(std::string_view s);

enum class Turn1Scope { None, Train, All };  // which points also get a turn-1-only SFT row

struct ExportOptions {
  Format format = Format::Sft;
  std::optional<Split> split;  // rows only for its train points
  Turn1Scope turn1 = Turn1Scope::None;
};

struct ExportStats {
  std::size_t sce_rows = 0;                    // audited (point, requested label) rows in sces.csv
  std::size_t exported = 0;                    // follow-up rows written
  std::size_t turn1 = 0;                       // turn-1 rows written
  std::size_t heldout = 0;                     // rows left out because their point is held out
  std::size_t reconstructed = 0;               // conversations rebuilt from the task's prompts (no samples.jsonl)
  std::map<std::string, std::size_t> skipped;  // reason -> rows
  nlohmann::ordered_json to_json() const;
};

struct Export {
  std::vector<nlohmann::ordered_json> rows;  // one JSONL line each
  ExportStats stats;
};

Export export_training(const RunData& run, const ExportOptions& options);
void write_jsonl(std::ostream& out, const std::vector<nlohmann::ordered_json>& rows);
void write_jsonl(const std::string& path, const std::vector<nlohmann::ordered_json>& rows);  // atomically

// export-training's files: the rows to `jsonl_path` and, when `split` is given, the split to
// `split_path`. Both are opened (their folders checked) before either is written, and each is
// renamed into place only when both are written whole: a bad --split-out leaves no JSONL behind.
void write_outputs(const std::string& jsonl_path, const std::vector<nlohmann::ordered_json>& rows,
                   const std::string& split_path = {}, const nlohmann::ordered_json* split = nullptr);

}  // namespace sceval::training
