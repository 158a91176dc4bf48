// `sceval compare RUN_A RUN_B`: paired difference (B - A) of two runs on the same points.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "cli/commands.h"
#include "common/error.h"
#include "metrics/aggregate.h"
#include "results/results_json.h"
#include "results/sce_csv.h"
#include "training/split.h"

namespace sceval::cli {
namespace {

struct CompareArgs {
  std::string a, b, mode = "strict", points;
  metrics::BootstrapSettings bootstrap;
};

void run_compare(const CompareArgs& args) {
  if (args.mode != "strict" && args.mode != "paper") throw Error("--mode: expected strict or paper");
  auto mode = args.mode == "paper" ? metrics::Mode::Paper : metrics::Mode::Strict;
  auto ra = results::read_scored_sces(args.a + "/sces.csv", mode);
  auto rb = results::read_scored_sces(args.b + "/sces.csv", mode);
  if (!args.points.empty()) {  // only the rows of these grid points (a split's train or held-out part)
    auto sel = training::read_point_selection(args.points);
    if (std::filesystem::exists(args.a + "/results.json")) {
      const auto task = results::read_json(args.a + "/results.json").value("task", nlohmann::json::object());
      training::check_selection(sel, task.value("name", ""), task.value("grid_points", grid::Index{0}));
    }
    std::erase_if(ra, [&](const auto& r) { return !sel.contains(r.index); });
  }
  // Pair rows by (grid point, requested label); rows present in only one run are left out.
  std::map<std::pair<grid::Index, std::string>, const metrics::SceScore*> in_b;
  for (const auto& r : rb) in_b[{r.index, r.target}] = &r.score;
  std::vector<metrics::SceScore> pa, pb;
  for (const auto& r : ra)
    if (auto it = in_b.find({r.index, r.target}); it != in_b.end()) pa.push_back(r.score), pb.push_back(*it->second);
  auto d = metrics::paired_difference(pa, pb, args.bootstrap);
  nlohmann::json out = {{"a", args.a}, {"b", args.b}, {"mode", args.mode}, {"pairs", d.pairs},
                        {"points", args.points.empty() ? nlohmann::json() : nlohmann::json(args.points)},
                        {"difference", nlohmann::json::object()}, {"ci", nlohmann::json::object()}};
  for (const auto& [k, v] : d.difference) out["difference"][k] = results::number_or_null(v);
  for (const auto& [k, v] : d.ci)
    out["ci"][k] = nlohmann::json::array({results::number_or_null(v.first), results::number_or_null(v.second)});
  // The baselines of each run (same points, each run's own decision map), when results.json has them.
  for (const auto& [key, dir] : {std::pair{"a", args.a}, std::pair{"b", args.b}}) {
    if (!std::filesystem::exists(dir + "/results.json")) continue;
    auto r = results::read_json(dir + "/results.json");
    const nlohmann::json baselines = r.contains("baselines") ? r["baselines"] : nlohmann::json::object();
    for (auto it = baselines.begin(); it != baselines.end(); ++it) {
      const std::string& name = it.key();
      const nlohmann::json& b = it.value();
      const auto& m = b[args.mode]["metrics"];
      out["baselines"][key][name] = {{"n", m["n"]}, {"validity", m["validity"]}, {"mean_rcf_a", m["mean_rcf_a"]},
                                     {"exact_match", m["exact_match"]}, {"tm", m["tm"]}};
    }
  }
  fmt::print("{}\n", out.dump(2));
}

}  // namespace

void add_compare_command(CLI::App& app) {
  static CompareArgs a;
  auto* c = app.add_subcommand("compare", "Paired difference (B - A) of two scored runs on the same points, with CIs");
  c->add_option("run_a", a.a, "Run directory A")->required();
  c->add_option("run_b", a.b, "Run directory B")->required();
  c->add_option("--mode", a.mode, "strict | paper")->capture_default_str();
  c->add_option("--points", a.points, "Only these grid points: SPLIT.json:heldout | SPLIT.json:train (export-training --split-out)");
  c->add_option("--bootstrap", a.bootstrap.resamples, "Bootstrap resamples")->capture_default_str();
  c->add_option("--seed", a.bootstrap.seed, "Bootstrap seed")->capture_default_str();
  c->callback([] { run_compare(a); });
}

}  // namespace sceval::cli
