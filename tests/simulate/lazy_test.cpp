// A lazy run holds the labels of the points its searches asked only: the audit asks the target for
// the truths it lacks, through the cache, with the run's own prompts, and a rerun asks nothing.
#include <gtest/gtest.h>

#include "grid/grid.h"
#include "simulate/fixture.h"

namespace sceval::testing {
namespace {

TEST(SimulateLazy, MissingTruthsAreAskedOnceAndEqualTheRule) {
  ScratchDir dir;
  const std::string run = dir.file("run"), cache = dir.file("cache.sqlite");
  make_run(run, cache, true);
  const auto in = simulate::read_run(run);
  ASSERT_TRUE(in.lazy);
  std::size_t unknown = 0;
  for (auto l : in.map.labels) unknown += l < 0;
  ASSERT_GT(unknown, 0u) << "the lazy run asked every point: nothing left to test";

  const task::Task t = task::resolve_task(sim_data("three.json"));
  const grid::Grid g(t);
  auto s = test_settings();
  s.free = false;  // the target is asked for truths only
  llm::CachingOptions co;
  co.path = cache;
  for (std::size_t pass = 0; pass < 2; ++pass) {
    std::size_t target_calls = 0;
    llm::FunctionBackend tf("rule-target", target_fn("a", 3, &target_calls));  // the run's identity: its cache
    llm::CachingBackend tc(tf, co);
    llm::FunctionBackend of("follower", observer_fn(true));
    llm::CachingBackend oc(of, co);
    experiment::SampleLog log(dir.file("samples.jsonl"));
    const auto o = simulate::run_simulation(in, s, {{"follower", &oc, {}}}, {{"target", &tc, {}}, {}}, log, {});
    ASSERT_FALSE(o.csv.rows.empty());
    for (const auto& row : o.csv.rows) {
      Values cf;
      for (std::size_t j = 0; j < g.dims(); ++j)
        cf[g.feature(j).name] = std::stoi(g.value_text(std::stoull(row[1]), j));
      EXPECT_EQ(row[4], rule(cf)) << "counterfactual " << row[1];
    }
    if (pass == 0)
      EXPECT_GT(target_calls, 0u);  // points the run never asked
    else
      EXPECT_EQ(target_calls, 0u);  // all from the cache now
  }
}

}  // namespace
}  // namespace sceval::testing
