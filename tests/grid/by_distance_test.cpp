// Points by distance must come out exactly as sorting the whole grid by (distance, index) gives:
// the distance summed as Distance sums it, ties (equal sums; with float sums, equal reported
// distances) in index order.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "grid/by_distance.h"
#include "support.h"

using namespace sceval;
using namespace sceval::grid;

namespace {

// Brute force: every point's distance from the origin's terms, sorted by (key, index).
std::vector<PointAtDistance> sorted_grid(const Distance& dist, Index origin) {
  const Grid& g = dist.grid();
  std::vector<std::pair<double, Index>> keyed;
  std::vector<std::size_t> x(g.dims()), y(g.dims());
  g.record(origin, x);
  for (Index i = 0; i < g.size(); ++i) {
    g.record(i, y);
    double sum = 0;
    for (std::size_t j : dist.order()) sum += dist.term(j, x[j], y[j]);
    keyed.push_back({dist.integral() ? sum : dist.finish(sum), i});
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<PointAtDistance> out;
  for (auto [k, i] : keyed) out.push_back({i, dist(origin, i)});
  return out;
}

}  // namespace

TEST(PointsByDistance, EqualsSortedGridOnRandomGrids) {
  std::mt19937_64 rng(777);
  const task::DistanceKind kinds[] = {task::DistanceKind::Gower, task::DistanceKind::L1Mad, task::DistanceKind::L2Std};
  int checked = 0, ties = 0;
  for (int trial = 0; trial < 150; ++trial) {
    task::Task t = sceval::testing::random_task(rng, 5, 2);
    Grid g(t);
    if (g.size() > 2000) continue;
    for (auto kind : kinds)
      for (auto arith : {Arithmetic::Exact, Arithmetic::Paper}) {
        Distance dist(g, kind, arith);
        for (int o = 0; o < 3; ++o) {
          const Index origin = rng() % g.size();
          auto want = sorted_grid(dist, origin);
          PointsByDistance e(dist, origin);
          PointAtDistance p;
          for (std::size_t n = 0; n < want.size(); ++n) {
            ASSERT_TRUE(e.next(p)) << dist.name() << " trial " << trial << " point " << n;
            ASSERT_EQ(p.index, want[n].index) << dist.name() << " trial " << trial << " point " << n;
            ASSERT_EQ(p.distance, want[n].distance) << dist.name() << " trial " << trial << " point " << n;
            ties += n > 0 && want[n].distance == want[n - 1].distance;
          }
          EXPECT_FALSE(e.next(p));
          ++checked;
        }
      }
  }
  EXPECT_GT(checked, 600);
  EXPECT_GT(ties, 1000);  // the grids must exercise the tie rule
}

TEST(PointsByDistance, HandWorkedTies) {
  // 3 x 3 grid of two integer axes 0..2, L1/MAD (MAD = 1 on each axis), origin (1, 1) = index 4.
  // Distance 1: indices 1, 3, 5, 7 (in index order); distance 2: 0, 2, 6, 8.
  auto t = sceval::testing::make_task(
      {sceval::testing::integer_feature("a", 0, 2), sceval::testing::integer_feature("b", 0, 2)});
  Grid g(t);
  Distance dist(g, task::DistanceKind::L1Mad, Arithmetic::Exact);
  PointsByDistance e(dist, 4);
  std::vector<Index> got;
  std::vector<double> d;
  PointAtDistance p;
  while (e.next(p)) got.push_back(p.index), d.push_back(p.distance);
  EXPECT_EQ(got, (std::vector<Index>{4, 1, 3, 5, 7, 0, 2, 6, 8}));
  EXPECT_EQ(d, (std::vector<double>{0, 1, 1, 1, 1, 2, 2, 2, 2}));
}

TEST(PointsByDistance, OffGridOriginMatchesBetweenValues) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 60; ++trial) {
    task::Task t = sceval::testing::random_task(rng, 4, 2);
    Grid g(t);
    for (auto kind : {task::DistanceKind::Gower, task::DistanceKind::L1Mad, task::DistanceKind::L2Std}) {
      Distance dist(g, kind, Arithmetic::Exact);
      std::vector<double> codes;
      for (std::size_t j = 0; j < g.dims(); ++j)
        codes.push_back(static_cast<double>(g.feature(j).code(rng() % g.radix(j))) + (trial % 2 ? 0.5 : 3.0));
      std::vector<std::pair<double, Index>> want;
      for (Index i = 0; i < g.size(); ++i) {
        std::vector<double> y;
        for (std::size_t j = 0; j < g.dims(); ++j)
          y.push_back(static_cast<double>(g.feature(j).code(g.position(i, j))));
        want.push_back({dist.between_values(codes, y), i});
      }
      std::sort(want.begin(), want.end());
      PointsByDistance e(dist, codes);
      PointAtDistance p;
      for (auto [d, i] : want) {
        ASSERT_TRUE(e.next(p));
        ASSERT_EQ(p.distance, d) << dist.name() << " trial " << trial;
        ASSERT_EQ(p.index, i) << dist.name() << " trial " << trial;
      }
    }
  }
}

TEST(PointsByDistance, HugeGridNeedsLittleState) {
  // 12 axes of 40 values: 40^12 ~ 1.7e19 > 2^63? (no: 1.68e19 < 1.8e19 = 2^64) — enumerate the
  // first 5000 points without touching the rest.
  std::vector<task::Feature> fs;
  for (int j = 0; j < 12; ++j) fs.push_back(sceval::testing::integer_feature(fmt::format("f{}", j), 0, 39));
  auto t = sceval::testing::make_task(fs);
  Grid g(t);
  Distance dist(g, task::DistanceKind::L1Mad, Arithmetic::Exact);
  const Index origin = g.size() / 3;
  PointsByDistance e(dist, origin);
  PointAtDistance p, prev{origin, 0};
  for (int n = 0; n < 5000; ++n) {
    ASSERT_TRUE(e.next(p));
    ASSERT_EQ(p.distance, dist(origin, p.index));
    ASSERT_TRUE(p.distance > prev.distance || (p.distance == prev.distance && (n == 0 || p.index > prev.index)));
    prev = p;
  }
  EXPECT_LT(e.state_bytes(), 5'000'000u);
}
