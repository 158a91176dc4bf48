// `sceval export-training RUN_DIR -o FILE.jsonl`: SFT / DPO rows whose target is the ideal SCE
// (src/training, docs/training.md). Argument parsing and printing only.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "common/error.h"
#include "training/export.h"

namespace sceval::cli {
namespace {

struct ExportArgs {
  std::string run, output, format = "sft", split, split_out, task, turn1_scope = "train";
  bool include_turn1 = false;
};

void run_export(const ExportArgs& a) {
  auto format = training::format_from_string(a.format);
  if (!format) throw Error(fmt::format("--format: expected sft or dpo, got \"{}\"", a.format));
  if (a.turn1_scope != "train" && a.turn1_scope != "all") throw Error("--turn1-points: expected train or all");
  if (!a.split_out.empty() && a.split.empty()) throw Error("--split-out needs --split");
  training::RunData run = training::load_run(a.run, a.task);
  training::ExportOptions o;
  o.format = *format;
  if (!a.split.empty()) o.split = training::make_split(*run.grid, a.split);
  if (a.include_turn1) o.turn1 = a.turn1_scope == "all" ? training::Turn1Scope::All : training::Turn1Scope::Train;
  training::Export e = training::export_training(run, o);
  training::write_jsonl(a.output, e.rows);
  if (o.split && !a.split_out.empty())
    training::write_split(a.split_out, training::split_json(*o.split, *run.grid, a.run, run.sha256));
  nlohmann::ordered_json summary = {{"output", a.output}, {"format", a.format}, {"rows", e.rows.size()}};
  if (o.split) summary["split"] = {{"spec", a.split}, {"train", o.split->train.size()}, {"heldout", o.split->heldout.size()}};
  summary["stats"] = e.stats.to_json();
  fmt::print("{}\n", summary.dump(2));
}

}  // namespace

void add_export_training_command(CLI::App& app) {
  static ExportArgs a;
  auto* c = app.add_subcommand("export-training",
                               "Training data from an audited run: the ideal SCE (closest counterfactual) as SFT or DPO rows");
  c->add_option("run_dir", a.run, "Run directory (results.json, decision_map.csv, sces.csv, samples.jsonl)")->required();
  c->add_option("-o,--output", a.output, "Output JSONL")->required();
  c->add_option("--format", a.format, "sft (OpenAI chat messages) | dpo (TRL prompt/chosen/rejected)")->capture_default_str();
  c->add_option("--split", a.split, "Hold points out: random:FRACTION:SEED or a predicate such as age>=50");
  c->add_option("--split-out", a.split_out, "Write the split (train/heldout point indices, run sha256) here");
  c->add_flag("--include-turn1", a.include_turn1, "Also one turn-1 row (the model's own answer) per point (sft)");
  c->add_option("--turn1-points", a.turn1_scope, "Points that get turn-1 rows: train | all")->capture_default_str();
  c->add_option("--task,-t", a.task, "Task name or file (default: the one results.json names)");
  c->callback([] { run_export(a); });
}

}  // namespace sceval::cli
