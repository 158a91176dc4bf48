// `sceval score`: scores SCEs made by any tool against a decision map and writes a run directory.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct ScoreArgs {
  std::string task, decision_map, sces, output;
  ScoreOptions o;
  bool overwrite = false;
};

void print_row(const std::string& name, const nlohmann::json& m) {
  fmt::print("{:<22} {:>6} {:>9} {:>10} {:>10} {:>10} {:>8} {:>8}\n", name, m["n"].get<std::int64_t>(),
             format_rate(m["validity"]), format_value(m["mean_distance"]), format_value(m["median_rcf"]),
             format_value(m["mean_rcf_a"]), format_value(m["tm"]), format_rate(m["exact_match"]));
}

void print_summary(const nlohmann::json& r) {
  fmt::print("{:<22} {:>6} {:>9} {:>10} {:>10} {:>10} {:>8} {:>8}\n", "mode", "N", "validity", "mean_dist",
             "median_rcf", "mean_rcf_a", "TM", "exact");
  for (const char* mode : {"paper", "strict"}) print_row(mode, r[mode]["metrics"]);
  const nlohmann::json baselines = r.contains("baselines") ? r["baselines"] : nlohmann::json::object();
  for (auto it = baselines.begin(); it != baselines.end(); ++it)
    print_row("baseline " + it.key(), it.value()["strict"]["metrics"]);
}

void run_score(const ScoreArgs& a) {
  const Task task = Task::load(a.task);
  const RunResult r = score(task, Table::read_csv(a.decision_map, {"label"}), Table::read_csv(a.sces, {"target"}), a.o);
  r.save(a.output, a.overwrite);
  print_summary(r.results);
  fmt::print("wrote {}/results.json, decision_map.csv, sces.csv\n", a.output);
}

}  // namespace

void add_score_command(CLI::App& app) {
  static ScoreArgs a;
  auto* c = app.add_subcommand("score", "Score SCEs against a decision map; writes RUN_DIR (results.json + CSVs)");
  c->add_option("--task,-t", a.task, "Task name or file")->required();
  c->add_option("--decision-map,-d", a.decision_map, "Decision map CSV")->required();
  c->add_option("--sces,-s", a.sces, "SCE CSV")->required();
  c->add_option("--distance", a.o.distance, option_spec("distance").help);  // the run option's help
  non_empty(
      c->add_option("--points", a.o.points,
                    "Only these grid points: SPLIT.json:heldout | SPLIT.json:train (export-training --split-out)"));
  add_checked_option(c, "--bootstrap", "bootstrap", a.o.bootstrap, "Bootstrap resamples for CIs");
  add_checked_option(c, "--seed", "seed", a.o.seed, "Bootstrap seed");
  c->add_option("-o,--output", a.output, "Run directory to write")->required();
  c->add_flag("--overwrite", a.overwrite, "Replace a finished run of other settings in RUN_DIR (default: refuse)");
  c->callback([] { run_score(a); });
}

}  // namespace sceval::cli
