// A killed simulatability audit run again finishes from the response cache: the same outcome as an
// uninterrupted audit, only the unanswered requests asked, and nothing at all on a third run.
#include <gtest/gtest.h>

#include "simulate/fixture.h"

namespace sceval::testing {
namespace {

// The audit of the run in `run` with the follower observer, counting the observer's requests.
simulate::Outcome audit(const ScratchDir& dir, const std::string& run, const std::string& cache, std::size_t* calls,
                        std::size_t kill_after = SIZE_MAX) {
  const auto in = simulate::read_run(run);
  llm::CachingOptions co;
  co.path = cache;
  co.chunk_size = 64;
  llm::FunctionBackend tf("target", target_fn("a", 3));
  llm::CachingBackend tc(tf, co);
  llm::FunctionBackend of("follower", observer_fn(true, calls, kill_after));
  llm::CachingBackend oc(of, co);
  simulate::Target target{{"target", &tc, {}}, {}};
  experiment::SampleLog log(dir.file("samples.jsonl"));
  return simulate::run_simulation(in, test_settings(), {{"follower", &oc, {}}}, target, log, {});
}

TEST(SimulateResume, KillAndRerunEqualsAnUninterruptedAuditWithoutNewQueries) {
  ScratchDir dir;
  const std::string run = dir.file("run");
  make_run(run, dir.file("run-cache.sqlite"));
  std::size_t whole = 0;
  const auto uninterrupted = audit(dir, run, dir.file("a.sqlite"), &whole);
  ASSERT_GT(whole, 200u);

  std::size_t first = 0, second = 0, third = 0;
  EXPECT_THROW(audit(dir, run, dir.file("b.sqlite"), &first, whole / 2), std::runtime_error);
  EXPECT_EQ(first, whole / 2);
  const auto resumed = audit(dir, run, dir.file("b.sqlite"), &second);
  // Only the chunk in flight at the kill is asked again.
  EXPECT_LT(second, whole - whole / 2 + 64);
  EXPECT_GE(second, whole - whole / 2);
  EXPECT_EQ(resumed.json["metrics"], uninterrupted.json["metrics"]);
  EXPECT_EQ(resumed.csv.rows, uninterrupted.csv.rows);
  const auto again = audit(dir, run, dir.file("b.sqlite"), &third);
  EXPECT_EQ(third, 0u);
  EXPECT_EQ(again.csv.rows, uninterrupted.csv.rows);
}

}  // namespace
}  // namespace sceval::testing
