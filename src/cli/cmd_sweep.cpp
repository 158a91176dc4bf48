// `sceval sweep CONFIG -o SWEEP_DIR [--shard I/N] [--summary-only]`: every model x task cell of a
// config, each a run, skipping finished cells; then the summary over all finished cells.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct SweepArgs {
  std::string config, output, log_level = "info";
  SweepOptions o;
  bool quiet = false;
};

void run_sweep(const SweepArgs& a) {
  Options display;  // progress and log lines only; every cell's run options come from the config
  display.set("quiet", a.quiet).set("log_level", a.log_level, "--log-level");
  SweepHooks hooks;
  hooks.before_cell = [](std::size_t k, std::size_t n, const std::string& cell) {
    fmt::print(stderr, "[{}/{}] {}\n", k + 1, n, cell);
  };
  hooks.after_cell = [](const std::string& cell, const RunResult& r) {
    fmt::print("{}\n", cell);
    if (r.results.value("protocol", "") == "text") {  // a text cell (docs/text.md): no grid modes
      const auto& m = r.results["text"]["metrics"];
      fmt::print("text    N={:<6} generation {:>8}  validity {:>8}  validity with history {:>8}\n", m.value("n", 0),
                 format_rate(m["generation_rate"]), format_rate(m["validity"]),
                 format_rate(m["validity_with_history"]));
      return;
    }
    print_metrics(r.results);
  };
  const SweepReport rep = sweep(a.config, a.output, a.o, callbacks(display), hooks);
  if (!a.o.summary_only)
    fmt::print(stderr, "shard {}: {} cells, {} run, {} already finished\n", a.o.shard, rep.cells, rep.ran, rep.skipped);
  fmt::print("{}", rep.summary_markdown);
  fmt::print("wrote {0}/summary.csv, {0}/summary.md ({1} finished cells)\n", a.output, rep.summary_rows);
  if (!rep.incomplete.empty())
    throw Error(fmt::format("requests failed in {} cells: {}; run the same command again to retry them",
                            rep.incomplete.size(), fmt::join(rep.incomplete, ", ")));
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  static SweepArgs a;
  auto* c =
      app.add_subcommand("sweep", "Run every model x task cell of a sweep config; summary.csv/md over finished cells");
  c->add_option("config", a.config, "Sweep config (JSON, see docs/sweeps.md)")->required();
  c->add_option("-o,--output", a.output, "Sweep directory: one run directory per cell")->required();
  c->add_option("--shard", a.o.shard,
                "I/N: run only cells k with k mod N == I (sorted by name); auto: from Slurm/Kubernetes")
      ->capture_default_str();
  add_checked_option(c, "--shards", "shards", "N for --shard auto in a Kubernetes Indexed Job (else $SCEVAL_SHARDS)",
                     [](const nlohmann::json& v) { a.o.shards = v.get<std::size_t>(); });
  c->add_option("--cache", a.o.cache, "Response cache file shared by all cells (overrides the config)");
  c->add_flag("--summary-only", a.o.summary_only, "Only (re)write summary.csv/md from the finished cells");
  c->add_flag("--quiet,-q", a.quiet, "No progress on stderr");
  c->add_option("--log-level", a.log_level, "error | warn | info | debug")->capture_default_str();
  c->callback([] { run_sweep(a); });
}

}  // namespace sceval::cli
