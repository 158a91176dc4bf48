// Decision-boundary stability on hand-made label maps.
#include <gtest/gtest.h>

#include "experiment/stability.h"
#include "support.h"

using namespace sceval;

namespace {

// x = 0..9, Gower: |dx| / 9. A variant with boundary b says 1 from x = b on.
std::vector<metrics::Label> step_map(int b) {
  std::vector<metrics::Label> m;
  for (int x = 0; x < 10; ++x) m.push_back(x >= b ? 1 : 0);
  return m;
}

struct Line {
  task::Task t = sceval::testing::make_task({sceval::testing::integer_feature("x", 0, 9)});
  grid::Grid g{t};
  grid::Distance dist{g, task::DistanceKind::Gower, grid::Arithmetic::Exact};
};

}  // namespace

TEST(Stability, ThreeShiftedBoundaries) {
  Line w;
  // Boundaries at 4, 5, 6: x = 4 votes (1,0,0), x = 5 (1,1,0); majority boundary between 4 and 5.
  auto st = experiment::analyse_stability(w.dist, {step_map(4), step_map(5), step_map(6)}, 2);
  EXPECT_EQ(st.majority, (std::vector<metrics::Label>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}));
  for (int x : {0, 1, 2, 3, 6, 7, 8, 9}) EXPECT_EQ(st.agreement[x], 1.0) << x;
  EXPECT_DOUBLE_EQ(st.agreement[4], 2.0 / 3);
  EXPECT_DOUBLE_EQ(st.agreement[5], 2.0 / 3);
  EXPECT_DOUBLE_EQ(st.unanimous_fraction, 0.8);
  EXPECT_EQ(st.band_points, 2u);
  // Band {4, 5}: each one step (1/9) from the other majority label.
  EXPECT_DOUBLE_EQ(st.boundary_band_width, 1.0 / 9);
}

TEST(Stability, WiderDisagreementGivesAWiderBand) {
  Line w;
  // Boundaries at 2, 5, 5, 5, 8: band {2, 3, 4, 5, 6, 7}; majority boundary between 4 and 5.
  auto st = experiment::analyse_stability(w.dist, {step_map(2), step_map(5), step_map(5), step_map(5), step_map(8)}, 2);
  EXPECT_EQ(st.band_points, 6u);
  EXPECT_DOUBLE_EQ(st.unanimous_fraction, 0.4);
  EXPECT_DOUBLE_EQ(st.agreement[3], 4.0 / 5);
  // Distances to the other majority side: x=2:3, 3:2, 4:1, 5:1, 6:2, 7:3 steps -> mean 2 steps.
  EXPECT_DOUBLE_EQ(st.boundary_band_width, 2.0 / 9);
}

TEST(Stability, NaAnswersAndTies) {
  Line w;
  auto a = step_map(5), b = step_map(5);
  b[0] = metrics::kNA;         // NA agrees with nothing
  a[9] = b[9] = metrics::kNA;  // nobody answered: majority NA, agreement 0
  b[7] = 0;                    // a tie at 7 (1 vs 0): the lower option index wins
  auto st = experiment::analyse_stability(w.dist, {a, b}, 2);
  EXPECT_EQ(st.majority[0], 0);
  EXPECT_EQ(st.agreement[0], 0.5);
  EXPECT_EQ(st.majority[9], metrics::kNA);
  EXPECT_EQ(st.agreement[9], 0.0);
  EXPECT_EQ(st.majority[7], 0);
  EXPECT_EQ(st.agreement[7], 0.5);
  EXPECT_DOUBLE_EQ(st.unanimous_fraction, 0.7);
  // Band points with a majority: 0 (5 steps to x=5), 7 (majority 0 at 7; nearest 1 is 6 or 8: 1 step).
  EXPECT_DOUBLE_EQ(st.boundary_band_width, (5.0 / 9 + 1.0 / 9) / 2);
}

TEST(Stability, OneMajorityLabelHasNoBandWidth) {
  Line w;
  auto st = experiment::analyse_stability(w.dist, {step_map(10), step_map(9)}, 2);
  EXPECT_EQ(st.band_points, 1u);  // x = 9: a tie, majority 0
  EXPECT_TRUE(std::isnan(st.boundary_band_width));
  auto same = experiment::analyse_stability(w.dist, {step_map(5), step_map(5)}, 2);
  EXPECT_EQ(same.unanimous_fraction, 1.0);
  EXPECT_TRUE(std::isnan(same.boundary_band_width)) << "empty band";
}
