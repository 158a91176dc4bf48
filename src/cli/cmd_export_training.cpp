// `sceval export-training RUN_DIR -o FILE.jsonl`: SFT / DPO rows whose target is the ideal SCE
// (src/training, docs/training.md). Argument parsing and printing only.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {

void add_export_training_command(CLI::App& app) {
  static std::string run, output;
  static ExportTrainingOptions o;
  auto* c = app.add_subcommand(
      "export-training",
      "Training data from an audited run: the ideal SCE (closest counterfactual) as SFT or DPO rows");
  c->add_option("run_dir", run, "Run directory (results.json, decision_map.csv, sces.csv, samples.jsonl)")->required();
  non_empty(c->add_option("-o,--output", output, "Output JSONL")->required());
  c->add_option("--format", o.format,
                "sft (OpenAI chat messages) | dpo (TRL prompt/chosen/rejected) | openai-dpo (OpenAI "
                "input/preferred_output/non_preferred_output) | prompts (TRL prompt-only with point_index, target: the "
                "RL prompts of sceval.reward)")
      ->capture_default_str();
  non_empty(c->add_option(
      "--split", o.split,
      "Hold points out: random:FRACTION:SEED or a predicate such as age>=50 (text runs: random:FRACTION:SEED "
      "over items)"));
  non_empty(
      c->add_option("--split-out", o.split_out, "Write the split (train/heldout point indices, run sha256) here"));
  c->add_flag("--include-turn1", o.include_turn1, "Also one turn-1 row (the model's own answer) per point (sft)");
  c->add_option("--turn1-points", o.turn1_points, "Points that get turn-1 rows: train | all")->capture_default_str();
  c->add_option("--task,-t", o.task, "Task name or file (default: the one results.json names)");
  c->callback([] { fmt::print("{}\n", export_training(run, output, o).dump(2)); });
}

}  // namespace sceval::cli
