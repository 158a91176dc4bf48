// `sceval run`: the paper's protocol end to end on one model, cached and resumable.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/run_job.h"
#include "common/error.h"

namespace sceval::cli {
namespace {

void run_command(const RunOptions& o) {
  finish_settings(o);  // option errors before a model is loaded
  Model model = make_model(o.s.model, o.local, attempt_log(o));
  auto report = run_on_model(o, model);
  if (report.failed_requests)
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            report.failed_requests));
}

}  // namespace

void add_run_command(CLI::App& app) {
  static RunOptions a;
  auto* c = app.add_subcommand("run", "Run the paper's protocol on a model: decision map, SCEs, metrics");
  c->add_option("--task,-t", a.s.task, "Task name or file")->required();
  c->add_option("-o,--output", a.s.output, "Run directory")->required();
  add_model_options(c, a);
  c->add_option("--limit", a.limit, "Follow-ups for the first N grid points only");
  c->add_option("--sample", a.sample, "Follow-ups for N grid points drawn with --seed");
  c->add_option("--seed", a.s.seed, "Seed for sampling points and complements")->capture_default_str();
  c->add_flag("--all-complements", a.s.all_complements, "k-way tasks: one SCE per other label");
  c->add_flag("--no-live-check", a.no_live, "Do not ask the model about off-grid SCEs");
  c->add_flag("--with-history", a.s.with_history,
              "Also ask each SCE's label in the follow-up's own chat (sces.csv history_* columns, "
              "results.json with_history; fresh-context metrics unchanged)");
  c->add_option("--distance", a.distance, "gower | l1_mad | l2_std (default: the task's)");
  c->add_option("--bootstrap", a.s.bootstrap.resamples, "Bootstrap resamples")->capture_default_str();
  c->callback([] { run_command(a); });
}

}  // namespace sceval::cli
