// Hand-worked checks of distances, per-SCE scores and aggregates in both modes.
#include <gtest/gtest.h>

#include <cmath>

#include "grid/distance.h"
#include "metrics/aggregate.h"
#include "metrics/numpy_compat.h"
#include "metrics/score.h"
#include "support.h"
#include "task/task.h"

using namespace sceval;
using namespace sceval::metrics;
using grid::Arithmetic;

namespace {

task::Task paper_task(const std::string& name) {
  return task::load_task_file(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/" + name + ".json");
}

grid::Index at(const grid::Grid& g, std::vector<std::int64_t> codes) {
  grid::Record r;
  for (std::size_t j = 0; j < codes.size(); ++j) r.push_back(*g.feature(j).position_of_code(codes[j]));
  return g.index(r);
}

// 1-D task x = 0..9; label 0 below 5, label 1 from 5 on.
struct Line {
  task::Task t = sceval::testing::make_task({sceval::testing::integer_feature("x", 0, 9)});
  grid::Grid g{t};
  DecisionMap map;
  Line() {
    for (int x = 0; x < 10; ++x) map.labels.push_back(x < 5 ? 0 : 1);
    map.answers.resize(10);
  }
  SceInput sce(grid::Index from, std::optional<std::size_t> to, Label target = 1) const {
    SceInput s;
    s.index = from;
    s.target = target;
    if (to)
      s.record = grid::Record{*to};
    else
      s.status = "no_json";
    return s;
  }
};

}  // namespace

TEST(Distance, PaperHousePricesExample) {
  // The paper: (7000,1,1,2) -> (6500,1,2,3) has Gower distance 0.1798.
  auto t = paper_task("house_prices");
  grid::Grid g(t);
  auto a = at(g, {7000, 1, 1, 2}), b = at(g, {6500, 1, 2, 3});
  grid::Distance exact(g, task::DistanceKind::Gower, Arithmetic::Exact);
  grid::Distance paper(g, task::DistanceKind::Gower, Arithmetic::Paper);
  EXPECT_DOUBLE_EQ(exact(a, b), 41.0 / 228.0);  // (500/9500 + 1/3 + 1/3) / 4
  EXPECT_NEAR(paper(a, b), 0.1798, 5e-5);
  EXPECT_EQ(paper(a, b), static_cast<double>(static_cast<float>(paper(a, b))));  // stored as float32
}

TEST(Distance, PaperHeartDiseaseValuesAsThePaperPrinted) {
  // The paper's code, o3 heart-minimal, printed median_ICF_A 0.05000000074505806 (= float32(0.05), two
  // cholesterol steps) and median_ICF 0.7142856610672822 (one blood-pressure step over that).
  auto t = paper_task("heart_disease_minimal");
  grid::Grid g(t);
  grid::Distance paper(g, task::DistanceKind::Gower, Arithmetic::Paper);
  auto o = at(g, {50, 1, 140, 210});
  double two_chol = paper(o, at(g, {50, 1, 140, 240}));
  double one_sbp = paper(o, at(g, {50, 1, 150, 210}));
  EXPECT_EQ(two_chol, 0.05000000074505806);
  EXPECT_EQ(one_sbp / two_chol, 0.7142856610672822);
  // A sex flip costs 1/4 (categorical in the paper's Gower).
  EXPECT_EQ(paper(o, at(g, {50, 2, 140, 210})), 0.25);
}

TEST(Distance, PaperScalesOverTheFullGrid) {
  // MAD and SD over the full grid, as the paper's code computes them (docs/paper-code.md).
  auto inc = paper_task("income"), house = paper_task("house_prices"), heart = paper_task("heart_disease");
  EXPECT_EQ(grid::axis_mad(inc.features[0]), 20);
  EXPECT_EQ(grid::axis_mad(inc.features[1]), 6);
  EXPECT_EQ(grid::axis_mad(house.features[0]), 2500);
  EXPECT_EQ(grid::axis_mad(heart.features[1]), 0.5);
  EXPECT_EQ(grid::axis_mad(heart.features[3]), 45);
  EXPECT_NEAR(grid::axis_sd(inc.features[0]), 23.0922, 5e-5);
  EXPECT_NEAR(grid::axis_sd(house.features[0]), 2883.14, 5e-3);
  EXPECT_NEAR(grid::axis_sd(heart.features[2]), 22.9129, 5e-5);
  // L1 in the paper treats SEX as the number 1/2: a flip costs 1 / 0.5 = 2.
  grid::Grid g(heart);
  grid::Distance l1(g, task::DistanceKind::L1Mad, Arithmetic::Paper);
  EXPECT_EQ(l1(at(g, {50, 1, 140, 210}), at(g, {50, 2, 140, 210})), 2.0);
  grid::Distance l1x(g, task::DistanceKind::L1Mad, Arithmetic::Exact);
  EXPECT_EQ(l1x(at(g, {50, 1, 140, 210}), at(g, {50, 2, 140, 210})), 2.0);
}

TEST(Score, HandWorkedLine) {
  Line L;
  grid::Distance d(L.g, task::DistanceKind::Gower, Arithmetic::Exact);
  Scorer s(d, L.map, Mode::Strict);
  // From x=2 the closest point labelled 1 is x=5: d_min = 3/9.
  auto valid = s.score(L.sce(2, 7));
  ASSERT_TRUE(valid.kept);
  EXPECT_TRUE(*valid.valid);
  EXPECT_DOUBLE_EQ(valid.d_min, 3.0 / 9);
  EXPECT_EQ(*valid.closest_index, 5u);
  EXPECT_DOUBLE_EQ(valid.distance, 5.0 / 9);
  EXPECT_DOUBLE_EQ(valid.rcf, 5.0 / 3 - 1);
  EXPECT_DOUBLE_EQ(valid.rcf_a, 2.0 / 9);
  EXPECT_FALSE(*valid.exact_match);
  EXPECT_EQ(valid.n_changed, 1);
  // One step short of the boundary: invalid, 1/9 from it.
  auto shortfall = s.score(L.sce(2, 4));
  EXPECT_FALSE(*shortfall.valid);
  EXPECT_DOUBLE_EQ(shortfall.icf_a, 1.0 / 9);
  EXPECT_DOUBLE_EQ(shortfall.icf, 1.0 / 3);
  EXPECT_TRUE(std::isnan(shortfall.rcf));
  auto exact = s.score(L.sce(2, 5));
  EXPECT_TRUE(*exact.exact_match);
  EXPECT_EQ(exact.rcf, 0.0);

  // Aggregates over the three: V = 2/3; median RCF over valid {2/3, 0} = 1/3; ICF {1/3}.
  auto m = aggregate({valid, shortfall, exact});
  EXPECT_EQ(m.n, 3);
  EXPECT_DOUBLE_EQ(m.validity, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.median_rcf, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.mean_rcf_a, 1.0 / 9);
  EXPECT_DOUBLE_EQ(m.median_icf, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.tm, 2.0 / 3 * (1.0 / 3) + 1.0 / 3 * (1.0 / 3));
  EXPECT_DOUBLE_EQ(m.tm_a, 2.0 / 3 * (1.0 / 9) + 1.0 / 3 * (1.0 / 9));
  EXPECT_DOUBLE_EQ(m.exact_match, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.mean_distance, (5.0 / 9 + 2.0 / 9 + 3.0 / 9) / 3);
  EXPECT_DOUBLE_EQ(m.mean_n_changed, 1.0);
}

TEST(Score, DropRulesDifferByMode) {
  Line L;
  L.map.labels[0] = kNA;        // original without an answer
  L.map.labels[8] = kNA;        // an SCE landing on a NA cell
  L.map.labels[1] = kOffLabel;  // an off-label original
  grid::Distance dx(L.g, task::DistanceKind::Gower, Arithmetic::Exact);
  grid::Distance dp(L.g, task::DistanceKind::Gower, Arithmetic::Paper);
  Scorer strict(dx, L.map, Mode::Strict), paper(dp, L.map, Mode::Paper);

  EXPECT_EQ(paper.score(L.sce(0, 7)).drop_reason, "original_na");
  EXPECT_EQ(strict.score(L.sce(0, 7)).drop_reason, "original_na");
  EXPECT_EQ(paper.score(L.sce(1, 7)).drop_reason, "original_off_label");

  // Unparseable SCE: the paper drops it; strict counts it invalid.
  EXPECT_EQ(paper.score(L.sce(2, std::nullopt)).drop_reason, "sce_no_json");
  auto un = strict.score(L.sce(2, std::nullopt));
  EXPECT_TRUE(un.kept);
  EXPECT_FALSE(*un.valid);

  // SCE on a NA cell: dropped by the paper, invalid in strict.
  EXPECT_EQ(paper.score(L.sce(2, 8)).drop_reason, "sce_label_na");
  EXPECT_FALSE(*strict.score(L.sce(2, 8)).valid);

  // An off-grid SCE checked live is judged by the live answer in strict mode.
  SceInput off = L.sce(2, std::nullopt);
  off.status = "off_grid";
  off.values = {6.5};
  off.live_label = 1;
  auto live = strict.score(off);
  EXPECT_TRUE(*live.valid);
  EXPECT_DOUBLE_EQ(live.distance, 4.5 / 9);
  EXPECT_EQ(paper.score(off).drop_reason, "sce_off_grid");
}

TEST(Score, PaperIcfUsesTheSceCellsOwnLabel) {
  // 3 labels on a line: 0 0 0 | 2 2 | 1 1 1 1 1. Target 1 from x=1; SCE at x=3 (label 2).
  Line L;
  L.t.options.push_back("label 2");
  L.map.labels = {0, 0, 0, 2, 2, 1, 1, 1, 1, 1};
  grid::Distance d(L.g, task::DistanceKind::Gower, Arithmetic::Exact);
  Scorer strict(d, L.map, Mode::Strict), paper(d, L.map, Mode::Paper);
  auto s = strict.score(L.sce(1, 3));
  auto p = paper.score(L.sce(1, 3));
  // Strict: distance from x=3 to the requested label (x=5) = 2/9; paper: to any label other than
  // the cell's own (x=2, label 0) = 1/9.
  EXPECT_DOUBLE_EQ(s.icf_a, 2.0 / 9);
  EXPECT_DOUBLE_EQ(p.icf_a, 1.0 / 9);
}

TEST(Numpy, ReductionSemantics) {
  const double nan = std::nan("");
  std::vector<double> v = {1, nan, 3, 4};
  EXPECT_DOUBLE_EQ(numpy::nanmean(v), 8.0 / 3);
  EXPECT_DOUBLE_EQ(numpy::nanmedian(v), 3.0);
  std::vector<double> even = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(numpy::nanmedian(even), 2.5);
  EXPECT_TRUE(std::isnan(numpy::nanmean(std::vector<double>{nan})));
  EXPECT_DOUBLE_EQ(numpy::percentile({1, 2, 3, 4, 5}, 25), 2.0);
  EXPECT_DOUBLE_EQ(numpy::percentile({1, 2}, 50), 1.5);
  // Pairwise summation differs from a left-to-right loop; this input separates them:
  // 1e16 then sixteen 1.0s: sequential addition loses every 1, pairwise blocks keep them.
  std::vector<double> w(17, 1.0);
  w[0] = 1e16;
  double seq = 0;
  for (double x : w) seq += x;
  EXPECT_EQ(seq, 1e16);
  EXPECT_EQ(numpy::sum(w), 1e16 + 16);
}

TEST(Bootstrap, DeterministicAndBracketsTheEstimate) {
  Line L;
  grid::Distance d(L.g, task::DistanceKind::Gower, Arithmetic::Exact);
  Scorer s(d, L.map, Mode::Strict);
  std::vector<SceScore> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(s.score(L.sce(i % 5, 4 + i % 6)));
  BootstrapSettings bs;
  bs.resamples = 500;
  auto a = bootstrap_ci(rows, bs), b = bootstrap_ci(rows, bs);
  EXPECT_EQ(a, b);
  auto m = aggregate(rows);
  EXPECT_LE(a["validity"].first, m.validity);
  EXPECT_GE(a["validity"].second, m.validity);
  EXPECT_LT(a["validity"].first, a["validity"].second);
  // A run compared with itself differs by exactly 0.
  auto pd = paired_difference(rows, rows, bs);
  EXPECT_EQ(pd.pairs, 40u);
  EXPECT_EQ(pd.difference["validity"], 0.0);
  EXPECT_EQ(pd.ci["validity"].first, 0.0);
}

TEST(Paired, DifferenceOfHandMadeRuns) {
  // A: valid on rows 0 and 3; B: valid everywhere -> validity difference +1/2 over 4 pairs.
  // A row dropped in either run is not paired.
  auto row = [](bool kept, bool valid) {
    SceScore s;
    s.kept = kept;
    s.valid = valid;
    s.distance = 0.1;
    s.exact_match = valid;
    s.rcf = s.rcf_a = valid ? 0.0 : kNaN;
    s.icf = s.icf_a = valid ? kNaN : 0.5;
    return s;
  };
  std::vector<SceScore> a = {row(true, true), row(true, false), row(true, false), row(true, true), row(false, false)};
  std::vector<SceScore> b = {row(true, true), row(true, true), row(true, true), row(true, true), row(true, true)};
  BootstrapSettings bs;
  bs.resamples = 300;
  auto d = paired_difference(a, b, bs);
  EXPECT_EQ(d.pairs, 4u);
  EXPECT_DOUBLE_EQ(d.difference["validity"], 0.5);
  EXPECT_DOUBLE_EQ(d.difference["exact_match"], 0.5);
  // TM: A = 0.5 * 0 + 0.5 * median ICF (0.5) = 0.25; B = 0 -> -0.25.
  EXPECT_DOUBLE_EQ(d.difference["tm"], -0.25);
  EXPECT_LE(d.ci["validity"].first, 0.5);
  EXPECT_GE(d.ci["validity"].second, 0.5);
}
