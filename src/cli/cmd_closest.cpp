// `sceval closest`: the exact closest counterfactual of every labelled grid point.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "common/file.h"
#include "sceval/sceval.h"

namespace sceval::cli {

void add_closest_command(CLI::App& app) {
  static std::string task, decision_map, distance, mode = "strict", output;
  auto* c = app.add_subcommand("closest", "Closest counterfactual (nearest point with another label) for every point");
  c->add_option("--task,-t", task, "Task name or file")->required();
  c->add_option("--decision-map,-d", decision_map, "Decision map CSV")->required();
  c->add_option("--distance", distance, option_spec("distance").help);  // the run option's help
  c->add_option("--mode", mode, "strict (exact arithmetic) | paper (the paper's float arithmetic)")
      ->capture_default_str();
  c->add_option("-o,--output", output, "Output CSV")->required();
  c->callback([] {
    const Task loaded = Task::load(task);
    refuse_overwriting_inputs(output, {decision_map, loaded.path()});  // closest() returns the table; written here
    const Table t = closest(loaded, Table::read_csv(decision_map, {"label"}), distance, mode);
    t.write_csv(output);
    fmt::print(stderr, "wrote {} ({} labelled points)\n", output, t.rows.size());
  });
}

}  // namespace sceval::cli
