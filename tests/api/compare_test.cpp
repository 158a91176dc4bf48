// `compare` pairs rows only of two runs of one grid (a run of another task or grid gave a
// difference that means nothing), and a --split predicate's threshold is a finite number or a level
// ("nan" and "inf" parsed as numbers: held out nothing or everything).
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
#include "training/split.h"

namespace sceval {
namespace {

using nlohmann::json;
using sceval::testing::error_of;
using sceval::testing::has;
using sceval::testing::ScratchDir;

// toy_income's task file with another name, and optionally another edit.
std::string toy_variant(const ScratchDir& d, const std::string& name, const std::function<void(json&)>& edit = {}) {
  json t = json::parse(std::ifstream(std::string(SCEVAL_SOURCE_DIR) + "/tasks/toy/toy_income.json"));
  t["name"] = name;
  if (edit) edit(t);
  return d.write(name + ".json", t.dump());
}

// A real run (the rule test double answers) of the task spec into d/name; its results.json, read back.
json real_run(const ScratchDir& d, const std::string& task_spec, const std::string& name,
              experiment::DecisionMapMode map = experiment::DecisionMapMode::Generate) {
  const task::Task t = task::resolve_task(task_spec);
  grid::Grid g(t);
  testing::RuleBackendForTests model(g,
                                     [&g](grid::Index i) { return static_cast<metrics::Label>(g.position(i, 0) % 2); });
  experiment::RunSettings s;
  s.task = task_spec;
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

std::string grid_error(const json& a, const json& b) {
  return error_of([&] { api::check_same_grid(a, "RUN_A/results.json", b, "RUN_B/results.json"); });
}

TEST(CompareSameGrid, RunsOfTheSameGridUnderAnotherTaskNameArePaired) {
  ScratchDir d;
  const json a = real_run(d, "toy_income", "a");
  const json copy = real_run(d, toy_variant(d, "toy_income_copy"), "copy");
  EXPECT_EQ(grid_error(a, a), "(no error)");
  EXPECT_EQ(grid_error(a, copy), "(no error)");  // a copied or paraphrased task asks about the same grid
}

TEST(CompareSameGrid, RunsOfAnotherGridAreRefusedNamingBothFilesAndTheDifference) {
  ScratchDir d;
  const json a = real_run(d, "toy_income", "a");
  // Another range of ages: as many points, the same names, other values.
  const json shifted = real_run(
      d, toy_variant(d, "shifted", [](json& t) { t["features"][0]["start"] = 18, t["features"][0]["stop"] = 97; }),
      "shifted");
  const json relabelled = real_run(d,
                                   toy_variant(d, "relabelled",
                                               [](json& t) {
                                                 t["options"] = {"low", "high"};
                                               }),
                                   "relabelled");
  const json one_feature =
      real_run(d, toy_variant(d, "one_feature", [](json& t) { t["features"].erase(1); }), "one_feature");
  const json renamed =
      real_run(d, toy_variant(d, "renamed", [](json& t) { t["features"][1]["name"] = "SCHL"; }), "renamed");
  for (const auto& [b, field] :
       {std::pair{&shifted, "task.features[0].values[0] (age)"}, std::pair{&relabelled, "task.options"},
        std::pair{&one_feature, "task.features: age"}, std::pair{&renamed, "task.features[1].name"}}) {
    const std::string e = grid_error(a, *b);
    EXPECT_TRUE(has(e, "not of the same grid") && has(e, "RUN_A/results.json (task toy_income)") &&
                has(e, "RUN_B/results.json (task " + (*b)["task"]["name"].get<std::string>() + ")") && has(e, field))
        << e;
    EXPECT_TRUE(has(grid_error(*b, a), field)) << "B, A";
  }
  // A results.json without task.features (an older sceval) cannot show the grid: refused, not assumed.
  json old = a;
  old["task"].erase("features");
  EXPECT_TRUE(has(grid_error(a, old), "task.features: missing in B")) << grid_error(a, old);
}

// --- --split predicates -------------------------------------------------------------------------

const char* kSplitTask = R"({"sceval_task": 1, "name": "splits",
  "features": [
    {"name": "AGEP", "key": "age", "type": "integer", "start": 0, "stop": 4, "step": 1, "description": "{value}"},
    {"name": "KIND", "key": "kind", "type": "categorical", "levels": [{"code": 1, "text": "nan"}, {"code": 2, "text": "inf"}],
     "description": "{value}"}],
  "options": ["no", "yes"], "answer_key": "answer", "prompt": "{description}", "followup": "{complement}"})";

TEST(SplitPredicate, ThresholdMustBeAFiniteNumberOrALevel) {
  const task::Task t = task::parse_task(json::parse(kSplitTask), "splits.json");
  grid::Grid g(t);
  for (const char* spec :
       {"AGEP>=nan", "AGEP!=nan", "AGEP<nan", "AGEP>=-inf", "AGEP<=inf", "AGEP==infinity", "AGEP>=1e400", "age>=NaN"}) {
    const std::string e = error_of([&] { training::make_split(g, spec); });
    EXPECT_TRUE(has(e, std::string("--split \"") + spec + "\"") &&
                has(e, "is neither a finite number nor a level of AGEP"))
        << spec << ": " << e;
  }
  // Finite numbers still compare; a level whose text reads like "nan" is still that level.
  EXPECT_EQ(training::make_split(g, "AGEP>=3").heldout.size(), 4u);
  EXPECT_EQ(training::make_split(g, "KIND==nan").heldout.size(), 5u);
  EXPECT_EQ(training::make_split(g, "KIND!=inf").heldout.size(), 5u);
  EXPECT_TRUE(has(error_of([&] { training::make_split(g, ""); }), "--split: empty"));
}

// `compare` of runs that cannot be paired meaningfully: runs scored with different distances are
// refused naming both, and a mode a run has no scores in (a lazy run's paper mode) is refused with
// the run's reason instead of a report of 0 pairs.

// toy_income's grid under `distance`, run into d/name.
json distance_run(const ScratchDir& d, const std::string& name, const std::string& distance,
                  experiment::DecisionMapMode map = experiment::DecisionMapMode::Generate) {
  return real_run(d, toy_variant(d, name, [&](json& t) { t["distance"] = distance; }), name, map);
}

TEST(CompareRunsOfOtherScoring, RunsOfDifferentDistancesAreRefusedNamingBoth) {
  ScratchDir d;
  const json gower = distance_run(d, "g", "gower"), gower2 = distance_run(d, "g2", "gower"),
             l1 = distance_run(d, "l", "l1_mad");
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

TEST(CompareRunsOfOtherScoring, APaperCompareOfALazyRunSaysWhy) {
  ScratchDir d;
  const json lazy = distance_run(d, "lazy", "gower", experiment::DecisionMapMode::Lazy);
  const json full = distance_run(d, "full", "gower");
  EXPECT_EQ(error_of([&] { api::check_mode_available(lazy, "L/results.json", "strict"); }), "(no error)");
  EXPECT_EQ(error_of([&] { api::check_mode_available(full, "F/results.json", "paper"); }), "(no error)");
  const std::string e = error_of([&] { api::check_mode_available(lazy, "L/results.json", "paper"); });
  EXPECT_TRUE(has(e, "L/results.json: the run has no paper mode scores (paper mode needs the full decision map")) << e;
  EXPECT_TRUE(has(e, "--mode strict")) << e;
}

}  // namespace
}  // namespace sceval
