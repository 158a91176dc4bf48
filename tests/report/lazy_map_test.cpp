// Lazy decision maps in the report, against the hand-worked 3x3 grid of report/report_test.cpp, of which a
// lazy run asked five points:
//
//   A\B   u     v     w          asked: (0,u) low, (0,v) low, (0,w) high, (1,v) high, (2,w) NA
//   0     low   low   high       index = 3 * A + B
//   1     .     high  .          boundary edges between asked neighbours with two options:
//   2     .     .     NA         (0,v)|(0,w) on axis B and (0,v)|(1,v) on axis A; no edge to the NA point
#include <gtest/gtest.h>

#include "common/error.h"
#include "report/lazy_map.h"

namespace sceval::report {
namespace {

const char* kAsked = "index,A,B,label\n0,0,u,low\n1,0,v,low\n2,0,w,high\n4,1,v,high\n8,2,w,NA\n";
const std::vector<std::string> kOptions = {"low", "high"};

nlohmann::json results(bool with_features) {
  nlohmann::json r = {{"task", {{"name", "t"}, {"options", kOptions}}}, {"decision_map", {{"mode", "lazy"}}}};
  if (with_features)
    r["task"]["features"] = {{{"name", "A"}, {"values", {0, 1, 2}}}, {{"name", "B"}, {"values", {"u", "v", "w"}}}};
  return r;
}

TEST(ReportLazy, ModeComesFromResultsJson) {
  EXPECT_TRUE(is_lazy_map(results(true)));
  EXPECT_FALSE(is_lazy_map(nlohmann::json{{"decision_map", {{"labels", {}}}}}));
  EXPECT_FALSE(is_lazy_map(nlohmann::json::object()));
}

TEST(ReportLazy, AxesFromTaskFeaturesAndAskedLabels) {
  const auto t = csv::parse(kAsked, "queried_points.csv");
  Axes ax = lazy_axes(results(true), t);
  EXPECT_EQ(ax.size(), 9);
  EXPECT_EQ(ax.axes()[0].values, (std::vector<std::string>{"0", "1", "2"}));  // numbers as their JSON text
  const auto asked = asked_labels(ax, t, kOptions);
  EXPECT_EQ(asked, (std::vector<std::pair<std::int64_t, int>>{{0, 0}, {1, 0}, {2, 1}, {4, 1}, {8, kNA}}));
  EXPECT_EQ(asked_boundary(ax, asked), (std::vector<Edge>{{1, 0}, {1, 1}}));
}

TEST(ReportLazy, AxesFromAskedPointsOnlyWhenTheyDetermineTheGrid) {
  // Without task.features the asked values must span the grid: here (1,u), (1,w), ... were never
  // asked, but every value of A and B shows up and every index matches, so the axes are right.
  EXPECT_EQ(lazy_axes(results(false), csv::parse(kAsked, "q.csv")).size(), 9);
  // Value w of B and value 2 of A never show up: index 4 = (1,v) on the 3x3 grid would be 3 on the
  // 2x2 grid the rows suggest.
  try {
    lazy_axes(results(false), csv::parse("index,A,B,label\n0,0,u,low\n1,0,v,low\n4,1,v,high\n", "q.csv"));
    FAIL() << "accepted a grid the asked points do not determine";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("q.csv:4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("task.features"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sceval::report
