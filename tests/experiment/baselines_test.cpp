// Baselines (oracle, random_valid, one_step): a hand-worked grid and properties on random grids.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "experiment/baselines.h"
#include "support.h"

using namespace sceval;
using experiment::Baseline;
using experiment::BaselineRow;

namespace {

// x = 0..4 (slowest), y = 0..2; label 1 where x >= 3. Index = 3x + y. Gower: (|dx|/4 + |dy|/2) / 2.
struct Grid5x3 {
  task::Task t = sceval::testing::make_task(
      {sceval::testing::integer_feature("x", 0, 4), sceval::testing::integer_feature("y", 0, 2)});
  grid::Grid g{t};
  grid::Distance exact{g, task::DistanceKind::Gower, grid::Arithmetic::Exact};
  metrics::DecisionMap map;
  Grid5x3() {
    for (int x = 0; x < 5; ++x)
      for (int y = 0; y < 3; ++y) map.labels.push_back(x >= 3 ? 1 : 0);
    map.answers.resize(15);
  }
  static grid::Index at(int x, int y) { return static_cast<grid::Index>(3 * x + y); }
  grid::Index edit(const metrics::SceInput& s) const { return g.index(*s.record); }
};

}  // namespace

TEST(Baselines, HandWorkedOracleAndOneStep) {
  Grid5x3 w;
  std::vector<BaselineRow> rows = {{Grid5x3::at(0, 0), 1}, {Grid5x3::at(2, 1), 1}, {Grid5x3::at(4, 2), 0}};
  auto oracle = experiment::baseline_sces(Baseline::Oracle, w.exact, w.map, rows, 1);
  // (0,0) -> nearest x >= 3 is (3,0) at 3/8; (2,1) -> (3,1) at 1/8; (4,2) -> (2,2) at 1/4.
  EXPECT_EQ(w.edit(oracle[0]), Grid5x3::at(3, 0));
  EXPECT_EQ(w.edit(oracle[1]), Grid5x3::at(3, 1));
  EXPECT_EQ(w.edit(oracle[2]), Grid5x3::at(2, 2));
  EXPECT_EQ(oracle[0].values, (std::vector<std::optional<double>>{3.0, 0.0}));

  auto step = experiment::baseline_sces(Baseline::OneStep, w.exact, w.map, rows, 1);
  // (0,0): neighbours (1,0) at 1/8 and (0,1) at 1/4, both label 0 -> the closest, (1,0): invalid.
  EXPECT_EQ(w.edit(step[0]), Grid5x3::at(1, 0));
  // (2,1): (1,1) and (3,1) at 1/8 (index 4 before 10) then (2,0), (2,2) at 1/4; (3,1) flips.
  EXPECT_EQ(w.edit(step[1]), Grid5x3::at(3, 1));
  // (4,2): (3,2) at 1/8 is label 1, (4,1) at 1/4 label 1: nothing flips -> (3,2).
  EXPECT_EQ(w.edit(step[2]), Grid5x3::at(3, 2));

  metrics::BootstrapSettings bs;
  bs.resamples = 50;
  auto j = experiment::baselines_json(w.g, w.map, task::DistanceKind::Gower, rows, 1, bs);
  for (const char* mode : {"paper", "strict"}) {
    const auto& o = j["oracle"][mode]["metrics"];
    EXPECT_EQ(o["validity"], 1.0) << mode;
    EXPECT_EQ(o["mean_rcf"], 0.0) << mode;
    EXPECT_EQ(o["exact_match"], 1.0) << mode;
    const auto& s = j["one_step"][mode]["metrics"];
    EXPECT_NEAR(s["validity"].get<double>(), 1.0 / 3.0, 1e-12) << mode;  // only (2,1) flips
    EXPECT_EQ(s["mean_rcf"], 0.0) << mode;                               // (3,1) is also its closest counterfactual
    EXPECT_EQ(j["random_valid"][mode]["metrics"]["validity"], 1.0) << mode;
  }
  EXPECT_DOUBLE_EQ(j["oracle"]["strict"]["metrics"]["mean_distance"].get<double>(), (3.0 / 8 + 1.0 / 8 + 1.0 / 4) / 3);
  EXPECT_DOUBLE_EQ(j["one_step"]["strict"]["metrics"]["mean_distance"].get<double>(), 1.0 / 8);  // valid rows only
}

TEST(Baselines, RandomValidIsSeededReproducibleAndOfTheTargetLabel) {
  Grid5x3 w;
  std::vector<BaselineRow> rows;  // the 9 label-0 points, asked for label 1
  for (grid::Index i = 0; i < 9; ++i) rows.push_back({i, 1});
  auto a = experiment::baseline_sces(Baseline::RandomValid, w.exact, w.map, rows, 7);
  auto b = experiment::baseline_sces(Baseline::RandomValid, w.exact, w.map, rows, 7);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(w.edit(a[i]), w.edit(b[i]));
  std::set<grid::Index> picked;
  bool differs = false;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    auto c = experiment::baseline_sces(Baseline::RandomValid, w.exact, w.map, rows, seed);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(w.map.labels[w.edit(c[i])], 1);
      picked.insert(w.edit(c[i]));
      differs |= w.edit(a[i]) != w.edit(c[i]);
    }
  }
  EXPECT_TRUE(differs) << "other seeds draw other points";
  EXPECT_EQ(picked.size(), 6u) << "270 draws reach all 6 label-1 points";
  // A row's draw does not depend on the other rows.
  auto alone = experiment::baseline_sces(Baseline::RandomValid, w.exact, w.map, {rows[5]}, 7);
  EXPECT_EQ(w.edit(alone[0]), w.edit(a[5]));
}

TEST(Baselines, NoPointWithTheTargetGivesNoEdit) {
  Grid5x3 w;
  std::fill(w.map.labels.begin(), w.map.labels.end(), 0);
  std::vector<BaselineRow> rows = {{0, 1}};
  for (Baseline b : {Baseline::Oracle, Baseline::RandomValid})
    EXPECT_EQ(experiment::baseline_sces(b, w.exact, w.map, rows, 1)[0].status, "no_edit");
}

TEST(Baselines, OracleIsValidAndMinimalOnRandomGrids) {
  std::mt19937_64 rng(2025);
  metrics::BootstrapSettings bs;
  bs.resamples = 10;
  for (int trial = 0; trial < 40; ++trial) {
    const int k = 2 + static_cast<int>(rng() % 2);
    auto t = sceval::testing::random_task(rng, 3, k);
    grid::Grid g(t);
    metrics::DecisionMap map;
    map.labels = sceval::testing::uniform_labels(rng, g.size(), k);
    map.answers.resize(g.size());
    std::vector<BaselineRow> rows;
    for (grid::Index i = 0; i < g.size(); ++i)
      for (metrics::Label l = 0; l < k; ++l)
        if (l != map.labels[i] && map.count(l) > 0) rows.push_back({i, l});
    if (rows.empty()) continue;
    for (auto kind : {task::DistanceKind::Gower, task::DistanceKind::L1Mad}) {
      auto j = experiment::baselines_json(g, map, kind, rows, 3, bs);
      for (const char* mode : {"paper", "strict"}) {
        const auto& m = j["oracle"][mode]["metrics"];
        EXPECT_EQ(m["n"], static_cast<std::int64_t>(rows.size())) << trial << mode;
        EXPECT_EQ(m["validity"], 1.0) << trial << mode;
        EXPECT_EQ(m["mean_rcf_a"], 0.0) << trial << mode;
        EXPECT_EQ(m["exact_match"], 1.0) << trial << mode;
        EXPECT_EQ(j["random_valid"][mode]["metrics"]["validity"], 1.0) << trial << mode;
      }
    }
  }
}
