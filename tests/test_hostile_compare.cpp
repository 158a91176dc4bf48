// `compare` of runs that cannot be paired meaningfully: runs scored with different distances are
// refused naming both, and a mode a run has no scores in (a lazy run's paper mode) is refused with
// the run's reason instead of a report of 0 pairs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "api/same_grid.h"
#include "error_helpers.h"
#include "experiment/output.h"
#include "experiment/run.h"
#include "grid/grid.h"
#include "results/results_json.h"
#include "rule_backend_for_tests.h"
#include "task/registry.h"
#include "task/task.h"

namespace sceval {
namespace {

using nlohmann::json;
using sceval::testing::error_of;
using sceval::testing::has;
using sceval::testing::ScratchDir;

// A real run (the rule test double answers) of toy_income's grid under `distance`, into d/name.
json real_run(const ScratchDir& d, const std::string& name, const std::string& distance,
              experiment::DecisionMapMode map = experiment::DecisionMapMode::Generate) {
  json tf = json::parse(std::ifstream(std::string(SCEVAL_SOURCE_DIR) + "/tasks/toy/toy_income.json"));
  tf["name"] = name;
  tf["distance"] = distance;
  const std::string spec = d.write(name + ".json", tf.dump());
  const task::Task t = task::resolve_task(spec);
  grid::Grid g(t);
  testing::RuleBackendForTests model(g,
                                     [&g](grid::Index i) { return static_cast<metrics::Label>(g.position(i, 0) % 2); });
  experiment::RunSettings s;
  s.task = spec;
  s.model = "rule";
  s.output = d.file(name);
  s.sample = 20;
  s.bootstrap.resamples = 10;
  s.decision_map = map;
  s.max_queries_per_point = std::size_t{1} << 40;
  experiment::RunOutput out(s.output);
  experiment::run(t, s, model, out, json{{"kind", "function"}, {"spec", "function:rule"}, {"identity", "rule"}});
  return results::read_results_json(d.file(name) + "/results.json");
}

TEST(HostileCompare, RunsOfDifferentDistancesAreRefusedNamingBoth) {
  ScratchDir d;
  const json gower = real_run(d, "g", "gower"), gower2 = real_run(d, "g2", "gower"), l1 = real_run(d, "l", "l1_mad");
  for (const char* mode : {"strict", "paper"}) {
    EXPECT_EQ(error_of([&] { api::check_same_distance(gower, "A/results.json", gower2, "B/results.json", mode); }),
              "(no error)");
    const std::string e =
        error_of([&] { api::check_same_distance(gower, "A/results.json", l1, "B/results.json", mode); });
    EXPECT_TRUE(has(e, "different distances: A A/results.json has \"gower\", B B/results.json has \"l1_mad\"")) << e;
  }
  // Only the mode block says (an older results.json without the top-level field).
  json a = gower, b = l1;
  a.erase("distance");
  const std::string e = error_of([&] { api::check_same_distance(a, "A", b, "B", "strict"); });
  EXPECT_TRUE(has(e, "\"gower/exact\"") && has(e, "\"l1_mad/exact\"")) << e;
}

TEST(HostileCompare, APaperCompareOfALazyRunSaysWhy) {
  ScratchDir d;
  const json lazy = real_run(d, "lazy", "gower", experiment::DecisionMapMode::Lazy);
  const json full = real_run(d, "full", "gower");
  EXPECT_EQ(error_of([&] { api::check_mode_available(lazy, "L/results.json", "strict"); }), "(no error)");
  EXPECT_EQ(error_of([&] { api::check_mode_available(full, "F/results.json", "paper"); }), "(no error)");
  const std::string e = error_of([&] { api::check_mode_available(lazy, "L/results.json", "paper"); });
  EXPECT_TRUE(has(e, "L/results.json: the run has no paper mode scores (paper mode needs the full decision map")) << e;
  EXPECT_TRUE(has(e, "--mode strict")) << e;
}

}  // namespace
}  // namespace sceval
