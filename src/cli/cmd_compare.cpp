// `sceval compare RUN_A RUN_B`: paired difference (B - A) of two runs on the same points.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "sceval/sceval.h"

namespace sceval::cli {

void add_compare_command(CLI::App& app) {
  static std::string a, b;
  static CompareOptions o;
  auto* c = app.add_subcommand("compare", "Paired difference (B - A) of two scored runs on the same points, with CIs");
  c->add_option("run_a", a, "Run directory A")->required();
  c->add_option("run_b", b, "Run directory B")->required();
  c->add_option("--mode", o.mode, "strict | paper")->capture_default_str();
  c->add_option("--points", o.points, "Only these grid points: SPLIT.json:heldout | SPLIT.json:train (export-training --split-out)");
  c->add_option("--bootstrap", o.bootstrap, "Bootstrap resamples")->capture_default_str();
  c->add_option("--seed", o.seed, "Bootstrap seed")->capture_default_str();
  c->callback([] { fmt::print("{}\n", compare(a, b, o).dump(2)); });
}

}  // namespace sceval::cli
