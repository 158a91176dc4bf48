// `sceval stability --tasks VARIANTS --model SPEC -o RUN_DIR`: the turn-1 decision map under each
// prompt variant and how stable the decision boundary is across them (paper §4.5).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct StabilityArgs {
  std::vector<std::string> tasks;
  std::string model, output;
  Options options;
};

// The --tasks values split at commas ("a,b" or "a b"): every piece must be a name, file or glob.
// (CLI11's own delimiter drops empty pieces, so "--tasks ," took no value and swallowed the next flag.)
std::vector<std::string> task_list(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& arg : given) {
    std::size_t start = 0;
    for (std::size_t n = 1;; ++n) {
      const std::size_t comma = std::min(arg.find(',', start), arg.size());
      if (comma == start)
        throw Error(fmt::format(
            "--tasks \"{}\": item {} is empty (give task names, files or globs separated by commas)", arg, n));
      out.push_back(arg.substr(start, comma - start));
      if (comma == arg.size()) break;
      start = comma + 1;
    }
  }
  return out;
}

void run_stability_command(const StabilityArgs& a) {
  const auto variants = expand_tasks(task_list(a.tasks), "--tasks");
  const Callbacks cb = callbacks(a.options);
  Model model = Model::open(a.model, a.options, cb.log);
  const auto j = stability(variants, model, a.options, a.output, cb);
  fmt::print("{} variants, {} grid points: unanimous {}, band points {}, boundary band width {}\n", variants.size(),
             j["majority"].size(), format_rate(j["unanimous_fraction"]), j["band_points"].get<std::size_t>(),
             format_value(j["boundary_band_width"]));
  fmt::print("wrote {}/stability.json, decision_maps/, samples.jsonl\n", a.output);
  if (!j["complete"].get<bool>())
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            j["requests"]["failed"].get<std::size_t>()));
}

}  // namespace

void add_stability_command(CLI::App& app) {
  static StabilityArgs a;
  auto* c =
      app.add_subcommand("stability", "Decision maps under prompt paraphrases: per-point agreement, boundary band");
  c->add_option("--tasks", a.tasks,
                "Variants: names, files or globs (e.g. 'income_[0-9],income_[0-9][0-9]'), comma-separated")
      ->required();
  c->add_option("--model,-m", a.model, "gguf:PATH | openai:MODEL@BASE_URL | anthropic:MODEL")->required();
  c->add_option("-o,--output", a.output, "Run directory (stability.json, decision_maps/, samples.jsonl)")->required();
  add_option_flags(c, a.options, scope::kModel | scope::kDecisionMap);
  c->callback([] { run_stability_command(a); });
}

}  // namespace sceval::cli
