// `sceval score`: scores SCEs made by any tool against a decision map and writes a run directory.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/options.h"
#include "experiment/baselines.h"
#include "metrics/aggregate.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "results/sce_csv.h"
#include "task/registry.h"
#include "training/split.h"

namespace sceval::cli {
namespace {

struct ScoreArgs {
  std::string task, decision_map, sces, distance, output, points;
  metrics::BootstrapSettings bootstrap;
};

void print_summary(const nlohmann::json& r) {
  fmt::print("{:<22} {:>6} {:>9} {:>10} {:>10} {:>10} {:>8} {:>8}\n", "mode", "N", "validity", "mean_dist",
             "median_rcf", "mean_rcf_a", "TM", "exact");
  for (const char* mode : {"paper", "strict"}) {
    const auto& m = r[mode]["metrics"];
    fmt::print("{:<22} {:>6} {:>9} {:>10} {:>10} {:>10} {:>8} {:>8}\n", mode, m["n"].get<std::int64_t>(),
               format_rate(m["validity"]), format_value(m["mean_distance"]), format_value(m["median_rcf"]),
               format_value(m["mean_rcf_a"]), format_value(m["tm"]), format_rate(m["exact_match"]));
  }
  const nlohmann::json baselines = r.contains("baselines") ? r["baselines"] : nlohmann::json::object();
  for (auto it = baselines.begin(); it != baselines.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& b = it.value();
    const auto& m = b["strict"]["metrics"];
    fmt::print("{:<22} {:>6} {:>9} {:>10} {:>10} {:>10} {:>8} {:>8}\n", "baseline " + name, m["n"].get<std::int64_t>(),
               format_rate(m["validity"]), format_value(m["mean_distance"]), format_value(m["median_rcf"]),
               format_value(m["mean_rcf_a"]), format_value(m["tm"]), format_rate(m["exact_match"]));
  }
}

void run_score(const ScoreArgs& a) {
  task::Task t = task::resolve_task(a.task);
  grid::Grid g(t);
  auto map = results::read_decision_map(g, a.decision_map);
  auto sces = results::read_sces(g, a.sces);
  if (!a.points.empty()) {  // only the rows of these grid points (a split's train or held-out part)
    auto sel = training::read_point_selection(a.points);
    training::check_selection(sel, t.name, g.size());
    std::erase_if(sces, [&](const auto& s) { return !sel.contains(s.index); });
  }
  auto kind = distance_or_task(t, a.distance);
  grid::Distance paper_dist(g, kind, grid::Arithmetic::Paper), exact_dist(g, kind, grid::Arithmetic::Exact);
  metrics::Scorer paper(paper_dist, map, metrics::Mode::Paper), strict(exact_dist, map, metrics::Mode::Strict);
  std::vector<metrics::SceScore> ps, ss;
  for (const auto& s : sces) ps.push_back(paper.score(s)), ss.push_back(strict.score(s));

  std::filesystem::create_directories(a.output);
  const std::string dir = a.output + "/";
  auto r = results::results_json(t, g, map, kind, results::mode_json(paper_dist, ps, sces, a.bootstrap),
                                 results::mode_json(exact_dist, ss, sces, a.bootstrap), a.bootstrap,
                                 {{"inputs", {{"decision_map", a.decision_map}, {"sces", a.sces}, {"points", a.points}}},
                                  {"baselines", experiment::baselines_json(g, map, kind, experiment::baseline_rows(sces),
                                                                           a.bootstrap.seed, a.bootstrap)}});
  results::write_decision_map(g, map, dir + "decision_map.csv");
  results::write_sces(g, map, sces, ss, ps, dir + "sces.csv");
  results::write_json(r, dir + "results.json");
  print_summary(r);
  fmt::print("wrote {}results.json, decision_map.csv, sces.csv\n", dir);
}

}  // namespace

void add_score_command(CLI::App& app) {
  static ScoreArgs a;
  auto* c = app.add_subcommand("score", "Score SCEs against a decision map; writes RUN_DIR (results.json + CSVs)");
  c->add_option("--task,-t", a.task, "Task name or file")->required();
  c->add_option("--decision-map,-m", a.decision_map, "Decision map CSV")->required();
  c->add_option("--sces,-s", a.sces, "SCE CSV")->required();
  c->add_option("--distance", a.distance, "gower | l1_mad | l2_std (default: the task's)");
  c->add_option("--points", a.points, "Only these grid points: SPLIT.json:heldout | SPLIT.json:train (export-training --split-out)");
  c->add_option("--bootstrap", a.bootstrap.resamples, "Bootstrap resamples for CIs")->capture_default_str();
  c->add_option("--seed", a.bootstrap.seed, "Bootstrap seed")->capture_default_str();
  c->add_option("-o,--output", a.output, "Run directory to write")->required();
  c->callback([] { run_score(a); });
}

}  // namespace sceval::cli
