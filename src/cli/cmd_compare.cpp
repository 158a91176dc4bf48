// `sceval compare RUN_A RUN_B`: paired difference (B - A) of two runs on the same points.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {

void add_compare_command(CLI::App& app) {
  static std::string a, b;
  static CompareOptions o;
  auto* c = app.add_subcommand("compare", "Paired difference (B - A) of two scored runs on the same points, with CIs");
  c->add_option("run_a", a, "Run directory A")->required();
  c->add_option("run_b", b, "Run directory B")->required();
  c->add_option("--mode", o.mode, "strict | paper")->capture_default_str();
  non_empty(c->add_option("--points", o.points, "Only these grid points: SPLIT.json:heldout | SPLIT.json:train (export-training --split-out)"));
  add_checked_option(c, "--bootstrap", "bootstrap", o.bootstrap, "Bootstrap resamples");
  add_checked_option(c, "--seed", "seed", o.seed, "Bootstrap seed");
  c->callback([] { fmt::print("{}\n", compare(a, b, o).dump(2)); });
}

}  // namespace sceval::cli
