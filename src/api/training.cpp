// export_training: the library call behind `sceval export-training` (src/training).
#include "sceval/training.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/file.h"
#include "training/export.h"
#include "training/text_export.h"

namespace sceval {
namespace {

// A text run (docs/training.md "Text runs"): rows from its minimal flipping sub-edits.
nlohmann::ordered_json export_text(const std::string& run_dir, const std::string& out_jsonl,
                                   const ExportTrainingOptions& a, training::Format format) {
  if (a.include_turn1) throw Error("include_turn1: not available for text runs");
  const std::vector<std::string> inputs = {run_dir + "/results.json", run_dir + "/sces.csv", run_dir + "/samples.jsonl",
                                           run_dir + "/decision_map.csv"};
  refuse_overwriting_inputs(out_jsonl, inputs);
  refuse_overwriting_inputs(a.split_out, inputs);
  const auto e = training::export_text_training(run_dir, format, a.split, a.task);
  training::write_outputs(out_jsonl, e.rows, a.split_out, e.split.is_null() ? nullptr : &e.split);
  nlohmann::ordered_json summary = {{"output", out_jsonl}, {"format", a.format}, {"rows", e.rows.size()}};
  if (!a.split.empty())
    summary["split"] = {{"spec", a.split}, {"train_items", e.train_items}, {"heldout_items", e.heldout_items}};
  summary["stats"] = e.stats.to_json();
  return summary;
}

}  // namespace

nlohmann::ordered_json export_training(const std::string& run_dir, const std::string& out_jsonl,
                                       const ExportTrainingOptions& a) {
  auto format = training::format_from_string(a.format);
  if (!format) throw Error(fmt::format("format: expected sft, dpo, openai-dpo or prompts, got \"{}\"", a.format));
  if (a.turn1_points != "train" && a.turn1_points != "all") throw Error("turn1_points: expected train or all");
  if (!a.split_out.empty() && a.split.empty()) throw Error("split_out needs split");
  if (training::is_text_run(run_dir)) return export_text(run_dir, out_jsonl, a, *format);
  training::RunData run = training::load_run(run_dir, a.task);
  std::vector<std::string> inputs = {run.task->path};  // every file load_run read
  for (const char* f : {"results.json", "decision_map.csv", "sces.csv", "samples.jsonl"})
    inputs.push_back(run_dir + "/" + f);
  refuse_overwriting_inputs(out_jsonl, inputs);
  refuse_overwriting_inputs(a.split_out, inputs);
  training::ExportOptions o;
  o.format = *format;
  if (!a.split.empty()) o.split = training::make_split(*run.grid, a.split);
  if (a.include_turn1) o.turn1 = a.turn1_points == "all" ? training::Turn1Scope::All : training::Turn1Scope::Train;
  training::Export e = training::export_training(run, o);
  nlohmann::ordered_json split;
  if (o.split && !a.split_out.empty()) split = training::split_json(*o.split, *run.grid, run_dir, run.sha256);
  training::write_outputs(out_jsonl, e.rows, a.split_out, split.is_null() ? nullptr : &split);
  nlohmann::ordered_json summary = {{"output", out_jsonl}, {"format", a.format}, {"rows", e.rows.size()}};
  if (o.split)
    summary["split"] = {{"spec", a.split}, {"train", o.split->train.size()}, {"heldout", o.split->heldout.size()}};
  summary["stats"] = e.stats.to_json();
  return summary;
}

}  // namespace sceval
