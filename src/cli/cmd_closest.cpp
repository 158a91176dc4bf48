// `sceval closest`: the exact closest counterfactual of every labelled grid point.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/csv.h"
#include "grid/closest.h"
#include "results/decision_map_csv.h"
#include "task/registry.h"

namespace sceval::cli {
namespace {

struct ClosestArgs {
  std::string task, decision_map, distance, mode = "exact", output;
};

void run_closest(const ClosestArgs& a) {
  task::Task t = task::resolve_task(a.task);
  grid::Grid g(t);
  auto map = results::read_decision_map(g, a.decision_map);
  grid::Distance dist(g, distance_or_task(t, a.distance), arithmetic(a.mode));
  grid::BoundaryDistances bd(dist, map.labels, static_cast<int>(t.options.size()));
  std::vector<std::string> header = {"index", "d_min", "closest_index"};
  for (const auto& f : t.features) header.push_back("closest_" + f.name);
  std::vector<std::vector<std::string>> rows;
  for (grid::Index i = 0; i < g.size(); ++i) {
    if (map.labels[i] < 0) continue;
    grid::Nearest n = bd.nearest_other(i, map.labels[i]);
    std::vector<std::string> row = {std::to_string(i)};
    if (n.found()) {
      row.push_back(results::format_number(n.distance));
      row.push_back(std::to_string(n.index));
      for (std::size_t j = 0; j < g.dims(); ++j) row.push_back(g.value_text(n.index, j));
    } else {
      row.resize(header.size());
    }
    rows.push_back(std::move(row));
  }
  csv::write_file(a.output, header, rows);
  fmt::print(stderr, "wrote {} ({} labelled points, distance {})\n", a.output, rows.size(), dist.name());
}

}  // namespace

void add_closest_command(CLI::App& app) {
  static ClosestArgs a;
  auto* c = app.add_subcommand("closest", "Closest counterfactual (nearest point with another label) for every point");
  c->add_option("--task,-t", a.task, "Task name or file")->required();
  c->add_option("--decision-map,-m", a.decision_map, "Decision map CSV")->required();
  c->add_option("--distance", a.distance, "gower | l1_mad | l2_std (default: the task's)");
  c->add_option("--mode", a.mode, "paper | exact arithmetic")->capture_default_str();
  c->add_option("-o,--output", a.output, "Output CSV")->required();
  c->callback([] { run_closest(a); });
}

}  // namespace sceval::cli
