// `sceval stability --tasks VARIANTS --model SPEC -o RUN_DIR`: the turn-1 decision map under each
// prompt variant and how stable the decision boundary is across them (paper §4.5).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/run_job.h"
#include "common/error.h"
#include "experiment/stability.h"
#include "experiment/sweep.h"
#include "results/results_json.h"

namespace sceval::cli {
namespace {

struct StabilityArgs {
  RunOptions run;
  std::vector<std::string> tasks;
};

void run_stability_command(StabilityArgs& a) {
  std::vector<std::string> variants;
  for (const auto& t : experiment::expand_tasks(a.tasks, "--tasks")) variants.push_back(t.spec);
  if (variants.size() < 2) throw Error("--tasks: give at least two prompt variants (names, files or globs)");
  a.run.s.task = variants.front();
  const auto s = finish_settings(a.run);
  Model model = make_model(a.run.s.model, a.run.local, attempt_log(a.run));
  llm::CachingBackend cached(*model.backend, caching_options(a.run));
  auto j = experiment::run_stability(variants, s, cached, model.info, attach_progress(a.run, cached));
  results::write_json(j, s.output + "/stability.json");
  fmt::print("{} variants, {} grid points: unanimous {}, band points {}, boundary band width {}\n", variants.size(),
             j["majority"].size(), format_rate(j["unanimous_fraction"]), j["band_points"].get<std::size_t>(),
             format_value(j["boundary_band_width"]));
  fmt::print("wrote {}/stability.json, decision_maps/, samples.jsonl\n", s.output);
  if (!j["complete"].get<bool>())
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            j["requests"]["failed"].get<std::size_t>()));
}

}  // namespace

void add_stability_command(CLI::App& app) {
  static StabilityArgs a;
  auto* c = app.add_subcommand("stability", "Decision maps under prompt paraphrases: per-point agreement, boundary band");
  c->add_option("--tasks", a.tasks, "Variants: names, files or globs (e.g. 'income_[0-9]*'), comma-separated")
      ->required()
      ->delimiter(',');
  c->add_option("-o,--output", a.run.s.output, "Run directory (stability.json, decision_maps/, samples.jsonl)")->required();
  add_model_options(c, a.run);
  c->add_option("--distance", a.run.distance, "Distance for the band width (default: the first variant's)");
  c->callback([] { run_stability_command(a); });
}

}  // namespace sceval::cli
