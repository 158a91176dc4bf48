// Shards of an audit (reference k of the sampled list in shard k mod N) merge to exactly the
// unsharded audit: the same simulate.json (counts, requests, metrics with CIs computed after the
// merge) and simulate.csv, with two observers and both explanation kinds. Through the CLI, with the
// merge in the output folder: tests/e2e/simulate_cli.sh.
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"

#include "simulate/fixture.h"
#include "simulate/merge.h"

namespace sceval::testing {
namespace {

simulate::Outcome audit(const ScratchDir& dir, const std::string& run, std::size_t index, std::size_t count) {
  const auto in = simulate::read_run(run);
  llm::CachingOptions co;
  co.path = dir.file("cache.sqlite");
  llm::FunctionBackend tf("target", target_fn("a", 3));
  llm::CachingBackend tc(tf, co);
  llm::FunctionBackend follower("follower", observer_fn(true)), repeater("repeater", observer_fn(false));
  llm::CachingBackend fc(follower, co), rc(repeater, co);
  simulate::Settings s = test_settings();
  s.sample = 7;
  s.shard_index = index;
  s.shard_count = count;
  s.recorded = {{"explanation", "both"}, {"sample", 7}};
  if (count > 1) s.recorded["shard"] = fmt::format("{}/{}", index, count);
  simulate::Target target{{"target", &tc, {}}, {}};
  experiment::SampleLog log(dir.file(fmt::format("samples-{}-{}.jsonl", index, count)));
  return simulate::run_simulation(in, s, {{"follower", &fc, {}}, {"repeater", &rc, {}}}, target, log, {});
}

TEST(SimulateShards, TwoShardsMergeToExactlyTheUnshardedAudit) {
  ScratchDir dir;
  const std::string run = dir.file("run");
  make_run(run, dir.file("run-cache.sqlite"));
  const auto whole = audit(dir, run, 0, 1);
  const auto s0 = audit(dir, run, 0, 2), s1 = audit(dir, run, 1, 2);
  // The shards split the references: 4 and 3 of the 7, none in both.
  EXPECT_EQ(s0.json["n_references"], 4);
  EXPECT_EQ(s1.json["n_references"], 3);
  std::set<std::string> refs0, refs1;
  for (const auto& r : s0.csv.rows) refs0.insert(r[0]);
  for (const auto& r : s1.csv.rows) refs1.insert(r[0]);
  for (const auto& r : refs1) EXPECT_FALSE(refs0.contains(r)) << r;
  EXPECT_EQ(refs0.size() + refs1.size(), 7u);

  const task::Task t = task::resolve_task(sim_data("three.json"));
  const auto m = simulate::merge_shards({s0.json, s1.json}, {s0.csv, s1.csv}, t, test_settings().ci);
  EXPECT_EQ(m.csv.columns, whole.csv.columns);
  EXPECT_EQ(m.csv.rows, whole.csv.rows);
  EXPECT_EQ(m.json, whole.json) << m.json.dump(1).substr(0, 2000);
  // The CIs are the merged rows' own: the shards' differ from them.
  EXPECT_NE(s0.json["metrics"]["sce"]["pooled"]["ci"], whole.json["metrics"]["sce"]["pooled"]["ci"]);
  // In any order of the shards.
  const auto r = simulate::merge_shards({s1.json, s0.json}, {s1.csv, s0.csv}, t, test_settings().ci);
  EXPECT_EQ(r.csv.rows, whole.csv.rows);
  EXPECT_EQ(r.json["metrics"], whole.json["metrics"]);
}

TEST(SimulateShards, AnAnswerThatIsNoOptionIsRefusedNamingTheRow) {
  Table csv;
  csv.source = "shard/simulate.csv";
  csv.columns = {"reference_index",  "counterfactual_index", "hamming",
                 "reference_answer", "target_answer",        "observer",
                 "explanation",      "prediction_without",   "prediction_with",
                 "sce_valid",        "sce_exact_minimal",    "sce_target"};
  csv.rows = {{"1", "2", "1", "yes", "maybe", "o", "sce", "yes", "", "1", "1", "no"}};
  const task::Task t = task::resolve_task(sim_data("three.json"));
  try {
    simulate::metrics_of_table(csv, t, {"sce"}, {"o"}, {});
    FAIL() << "an answer that is no option was read";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "shard/simulate.csv:2, column 'target_answer': \"maybe\" is not one of this audit's");
  }
}

}  // namespace
}  // namespace sceval::testing
