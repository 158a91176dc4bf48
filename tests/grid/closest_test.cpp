// The separable transform must equal the O(N^2) brute force, distances and chosen points alike.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>

#include "grid/closest.h"
#include "common/error.h"
#include "support.h"

using namespace sceval;
using namespace sceval::grid;

namespace {

// Distances and chosen points (the lowest index among equally close points) must both agree.
void expect_same(const std::vector<Nearest>& fast, const std::vector<Nearest>& slow, const std::string& what) {
  ASSERT_EQ(fast.size(), slow.size());
  for (std::size_t i = 0; i < fast.size(); ++i) {
    ASSERT_EQ(fast[i].found(), slow[i].found()) << what << " point " << i;
    if (!slow[i].found()) continue;
    ASSERT_EQ(fast[i].distance, slow[i].distance) << what << " point " << i;
    ASSERT_EQ(fast[i].index, slow[i].index) << what << " point " << i;
  }
}

}  // namespace

TEST(Closest, EqualsBruteForceOnRandomGrids) {
  std::mt19937_64 rng(12345);
  const task::DistanceKind kinds[] = {task::DistanceKind::Gower, task::DistanceKind::L1Mad, task::DistanceKind::L2Std};
  int checked = 0, integral_configs = 0;
  for (int trial = 0; trial < 240; ++trial) {
    int k = 2 + trial % 3;
    task::Task t = sceval::testing::random_task(rng, 5, k);
    Grid g(t);
    if (g.size() > 1500) continue;
    auto labels = sceval::testing::uniform_labels(rng, g.size(), k, trial % 4 == 0 ? 0.0 : 0.2);
    for (auto kind : kinds)
      for (auto arith : {Arithmetic::Exact, Arithmetic::Paper}) {
        if (arith == Arithmetic::Exact && kind != task::DistanceKind::L2Std) ++integral_configs;
        Distance dist(g, kind, arith);
        for (int target = 0; target < k; ++target) {
          std::vector<bool> tg(k, false);
          tg[target] = true;
          if (trial % 2) {
            tg[(target + 1) % k] = true;  // label sets too
          }
          expect_same(nearest_with_label(dist, labels, tg), nearest_with_label_brute_force(dist, labels, tg),
                      "trial " + std::to_string(trial) + " " + dist.name());
          ++checked;
        }
      }
  }
  EXPECT_GT(checked, 1000);
  EXPECT_GT(integral_configs, 200);
}

TEST(Closest, TiesPickTheLowestIndex) {
  // 1-D axis 0..4, sources at 1 and 3: point 2 is equally far from both; the lower index wins.
  auto t = sceval::testing::make_task({sceval::testing::integer_feature("x", 0, 4)});
  Grid g(t);
  std::vector<Label> labels = {0, 1, 0, 1, 0};
  Distance dist(g, task::DistanceKind::L1Mad, Arithmetic::Exact);
  auto r = nearest_with_label(dist, labels, {false, true});
  EXPECT_EQ(r[2].index, 1u);
  EXPECT_EQ(r[0].index, 1u);
  EXPECT_EQ(r[4].index, 3u);
  EXPECT_EQ(r[1].index, 1u);
  EXPECT_EQ(r[1].distance, 0.0);
}

TEST(Closest, NaPointsAreNeitherSourcesNorBlockers) {
  auto t = sceval::testing::make_task({sceval::testing::integer_feature("x", 0, 5)});
  Grid g(t);
  std::vector<Label> labels = {0, kNA, kNA, 1, kNA, kNA};
  Distance dist(g, task::DistanceKind::Gower, Arithmetic::Exact);
  BoundaryDistances bd(dist, labels, 2);
  // From 0 the nearest label-1 point is 3, across the NA cells: 3/5 of the range.
  EXPECT_EQ(bd.nearest(0, 1).index, 3u);
  EXPECT_DOUBLE_EQ(bd.nearest(0, 1).distance, 3.0 / 5.0);
  EXPECT_FALSE(bd.nearest_other(3, 1).found() && bd.nearest_other(3, 1).index != 0u);
  EXPECT_EQ(bd.nearest_other(3, 1).index, 0u);
}

TEST(Closest, NoTargetLabelMeansNotFound) {
  auto t = sceval::testing::make_task({sceval::testing::integer_feature("x", 0, 3)});
  Grid g(t);
  std::vector<Label> labels = {0, 0, 0, 0};
  Distance dist(g, task::DistanceKind::Gower, Arithmetic::Exact);
  auto r = nearest_with_label(dist, labels, {false, true});
  for (const auto& n : r) EXPECT_FALSE(n.found());
}

TEST(Grid, RefusesGridsTooLargeToEnumerateOrStore) {
  using sceval::testing::integer_feature;
  // 2^64 overflows: ten axes of 2^8 values.
  std::vector<task::Feature> huge;
  for (int j = 0; j < 10; ++j) huge.push_back(integer_feature(fmt::format("f{}", j), 0, 255));
  auto t = sceval::testing::make_task(huge);
  EXPECT_THROW(Grid g(t), Error);
  // 10^12 points fit in 64 bits but not in memory.
  std::vector<task::Feature> big;
  for (int j = 0; j < 4; ++j) big.push_back(integer_feature(fmt::format("f{}", j), 0, 999));
  auto tb = sceval::testing::make_task(big);
  Grid g(tb);
  EXPECT_EQ(g.size(), 1000000000000ull);
  Distance dist(g, task::DistanceKind::Gower, Arithmetic::Exact);
  std::vector<Label> no_labels;  // never read: the size check comes first
  try {
    nearest_with_label(dist, no_labels, {true});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("GB"), std::string::npos) << e.what();
  }
}
