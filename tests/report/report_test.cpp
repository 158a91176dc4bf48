// The data the report page is built from, against a hand-worked 3x3 example:
//
//   A\B   u     v     w          labels: 0 = low, 1 = high, NA = no answer
//   0     low   low   high
//   1     low   high  high       index = 3 * A + B (first feature slowest)
//   2     NA    high  high
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "common/error.h"
#include "report/html.h"
#include "report/page_data.h"
#include "report/run_dir.h"

namespace sceval::report {
namespace {

const char* kMap =
    "index,A,B,label\n0,0,u,low\n1,0,v,low\n2,0,w,high\n3,1,u,low\n4,1,v,high\n5,1,w,high\n6,2,u,\n7,2,v,high\n8,2,w,"
    "high\n";
const std::vector<std::string> kOptions = {"low", "high"};

Axes axes() { return read_axes(csv::parse(kMap, "dm.csv")); }
std::vector<int> labels() { return read_map_columns(csv::parse(kMap, "dm.csv"), kOptions).labels; }

TEST(ReportAxes, ReadFromDecisionMapInGridOrder) {
  Axes ax = axes();
  ASSERT_EQ(ax.dims(), 2u);
  EXPECT_EQ(ax.axes()[0].name, "A");
  EXPECT_EQ(ax.axes()[1].values, (std::vector<std::string>{"u", "v", "w"}));
  EXPECT_EQ(ax.coords(5), (Coords{1, 2}));
  EXPECT_EQ(labels(), (std::vector<int>{0, 0, 1, 0, 1, 1, kNA, 1, 1}));
}

TEST(ReportAxes, CoordsAndIndexAreInverse) {
  Axes ax({{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}, {"c", {"p", "q", "r", "s"}}});
  EXPECT_EQ(ax.size(), 24);
  EXPECT_EQ(ax.coords(23), (Coords{1, 2, 3}));
  EXPECT_EQ(ax.coords(13), (Coords{1, 0, 1}));  // 13 = 1*12 + 0*4 + 1
  for (std::int64_t i = 0; i < ax.size(); ++i) EXPECT_EQ(ax.index(ax.coords(i)), i);
}

TEST(ReportAxes, RowsOutOfGridOrderAreRejected) {
  auto t = csv::parse("index,A,B,label\n0,0,u,x\n1,1,u,x\n2,0,v,x\n3,1,v,x\n", "dm.csv");
  try {
    read_axes(t);
    FAIL() << "accepted rows in the wrong order";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dm.csv:3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_axes(csv::parse("index,A,B,label\n0,0,u,x\n1,0,v,x\n2,1,u,x\n", "dm.csv")),
               Error);  // 3 of 4 points
}

// Found by fuzz_run_dir (crash-3f1acea9…): a header-only decision map made the page-data builder
// throw std::invalid_argument, which nothing catches as a user error. (`sceval report` checked the
// row count against results.json first; a library caller building a RunDir did not.) Now a
// sceval::Error naming the file.
TEST(ReportAxes, HeaderOnlyMapIsAnErrorNamingTheFile) {
  try {
    read_axes(csv::parse("index,A,B,label\n", "dm.csv"));
    FAIL() << "accepted a map without rows";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dm.csv: no rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Axes({{"a", {"1"}}, {"b", {}}}), Error);
  // 64 features of 2 values: 2^64 points do not fit the index type.
  EXPECT_THROW(Axes(std::vector<Axis>(64, Axis{"f", {"0", "1"}})), Error);
  EXPECT_EQ(Axes(std::vector<Axis>(62, Axis{"f", {"0", "1"}})).size(), std::int64_t{1} << 62);
}

TEST(ReportGeometry, LabelBoundaryBetweenOptionsOnly) {
  // low|high between B=v and B=w at A=0, between u and v at A=1; between A=0 and A=1 at B=v.
  // The NA point (2,u) has no boundary.
  EXPECT_EQ(label_boundary(axes(), labels()), (std::vector<Edge>{{1, 0}, {1, 1}, {3, 1}}));
}

TEST(ReportGeometry, ContourOfProbabilitiesAtOneHalf) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> p = {0.1, 0.4, 0.6, 0.2, 0.5, 0.9, nan, 0.7, 0.8};  // 0.5 counts as >= 0.5
  EXPECT_EQ(contour_edges(axes(), p), (std::vector<Edge>{{1, 0}, {1, 1}, {3, 1}}));
}

TEST(ReportGeometry, SignedStepsToTheBoundary) {
  Axes ax = axes();
  BoundarySteps s(ax, labels(), 2);
  EXPECT_EQ(s.steps(1, 1), -1);  // (0,v) low: one step short of high (0,w) or (1,v)
  EXPECT_EQ(s.steps(0, 1), -2);  // (0,u): two steps short
  EXPECT_EQ(s.steps(6, 1), -1);  // NA point next to high (2,v)
  EXPECT_EQ(s.steps(2, 1), 1);   // (0,w) high, next to low (0,v): just past
  EXPECT_EQ(s.steps(8, 1), 2);   // (2,w): low/NA is two steps away
  EXPECT_EQ(s.steps(8, 0), -3);  // nearest low from (2,w) is (1,u) or (0,v)
  EXPECT_EQ(s.steps(8, 5), std::nullopt);
  BoundarySteps all_high(ax, std::vector<int>(9, 1), 2);
  EXPECT_EQ(all_high.steps(4, 0), std::nullopt);  // no low point anywhere
  EXPECT_EQ(all_high.steps(4, 1), std::nullopt);  // nothing else to reach
}

const char* kSces =
    "index,target,sce_A,sce_B,status,closest_index\n"
    "0,high,0,v,ok,2\n"       // -> (0,v): low, one step short
    "3,high,1,v,ok,4\n"       // -> (1,v): high, just past
    "0,high,2,w,ok,2\n"       // -> (2,w): two steps past
    "4,low,0,u,,3\n"          // -> (0,u): low; nearest high is 2 steps away
    "1,high,5,v,off_grid,\n"  // no end point
    "2,low,,,no_json,1\n"     // no end point
    "5,maybe,0,u,ok,\n";      // a label that is no option: unreachable

TEST(ReportGeometry, ArrowsFromSceRows) {
  Axes ax = axes();
  BoundarySteps steps(ax, labels(), 2);
  auto arrows = read_arrows(ax, csv::parse(kSces, "sces.csv"), kOptions, &steps);
  ASSERT_EQ(arrows.size(), 7u);
  EXPECT_EQ(arrows[0].from, (Coords{0, 0}));
  EXPECT_EQ(arrows[0].to, (Coords{0, 1}));
  EXPECT_EQ(arrows[0].target, 1);
  EXPECT_EQ(arrows[0].closest, (Coords{0, 2}));
  EXPECT_EQ(arrows[0].steps, -1);
  EXPECT_EQ(arrows[1].steps, 1);
  EXPECT_EQ(arrows[2].steps, 2);
  EXPECT_EQ(arrows[3].to, (Coords{0, 0}));
  EXPECT_EQ(arrows[3].steps, 2);
  EXPECT_EQ(arrows[4].to, std::nullopt);
  EXPECT_EQ(arrows[4].closest, std::nullopt);
  EXPECT_EQ(arrows[5].to, std::nullopt);
  EXPECT_EQ(arrows[6].target, kOffLabel);
  EXPECT_EQ(arrows[6].steps, std::nullopt);

  StepSummary sum = step_summary(arrows);
  EXPECT_EQ(sum.counts, (std::map<int, int>{{-1, 1}, {1, 1}, {2, 2}}));
  EXPECT_EQ(sum.no_end_point, 2);
  EXPECT_EQ(sum.unreachable, 1);

  // Moves (A, B) of the five arrows with end points: (0,1) (0,1) (2,2) (1,1) (1,2).
  auto edits = edit_stats(ax, arrows);
  ASSERT_EQ(edits.size(), 2u);
  EXPECT_EQ(edits[0].feature, "A");
  EXPECT_EQ(edits[0].of, 5);
  EXPECT_EQ(edits[0].changed, 3);
  EXPECT_DOUBLE_EQ(edits[0].mean_size, 4.0 / 3.0);
  EXPECT_EQ(edits[0].sizes, (std::map<int, int>{{1, 2}, {2, 1}}));
  EXPECT_EQ(edits[1].changed, 5);
  EXPECT_DOUBLE_EQ(edits[1].mean_size, 7.0 / 5.0);
  EXPECT_EQ(edits[1].sizes, (std::map<int, int>{{1, 3}, {2, 2}}));
}

// Found by fuzz_run_dir (crash-a6eea981…): closest_index 1e70 was cast to int64 (undefined
// behaviour, UBSan). Grid-index cells must be integers in [0, N); the error names the cell.
TEST(ReportGeometry, GridIndexCellsOutsideTheGridAreErrors) {
  Axes ax = axes();
  for (const char* bad :
       {"99999999999999999999999999999999999999999999999999999999999999999999999", "9", "-1", "2.5"}) {
    const std::string sces = std::string("index,target,sce_A,sce_B,status,closest_index\n0,high,0,v,ok,") + bad + "\n";
    try {
      read_arrows(ax, csv::parse(sces, "sces.csv"), kOptions, nullptr);
      FAIL() << "accepted closest_index " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("sces.csv:2"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("is not a grid point (0..8)"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_arrows(ax, csv::parse("index,target\n1e70,high\n", "sces.csv"), kOptions, nullptr), Error);
  EXPECT_THROW(read_arrows(ax, csv::parse("index,target\n0.5,high\n", "sces.csv"), kOptions, nullptr), Error);
}

TEST(ReportHtml, JsonIsSafeInsideAScriptElement) {
  const std::string payload = "</script><script>alert(1)</script><!-- & \xE2\x80\xA8 \xE2\x80\xA9 \xFF";
  nlohmann::json j = {{"reply", payload}};
  std::string s = script_safe_json(j);
  for (const char* bad : {"<", ">", "&", "\xE2\x80\xA8", "\xE2\x80\xA9"})
    EXPECT_EQ(s.find(bad), std::string::npos) << bad;
  auto back = nlohmann::json::parse(s);
  EXPECT_EQ(back["reply"].get<std::string>().substr(0, payload.size() - 1), payload.substr(0, payload.size() - 1));
  EXPECT_NE(back["reply"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);  // invalid byte -> U+FFFD
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST(ReportPageData, RunDirectoryToPageData) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "sceval-report-page-data-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The 3x3 map with probabilities of "high" (p_low omitted: NaN -> null).
  std::ofstream(dir / "decision_map.csv")
      << "index,A,B,label,p_high\n0,0,u,low,0.1\n1,0,v,low,0.4\n2,0,w,high,0.6\n3,1,u,low,0.2\n4,1,v,high,0.5\n"
         "5,1,w,high,0.9\n6,2,u,,\n7,2,v,high,0.7\n8,2,w,high,0.8\n";
  // Without the last row: a run directory's targets are the task's options (load_run refuses "maybe").
  const std::string sces = kSces;
  std::ofstream(dir / "sces.csv") << sces.substr(0, sces.find("5,maybe"));
  std::ofstream(dir / "results.json")
      << R"({"schema_version": 1, "task": {"name": "t", "options": ["low", "high"]}, "paper": {}, "strict": {}})";
  std::ofstream(dir / "samples.jsonl")
      << R"({"index": 0, "stage": "decision_map", "response": "low"})"
         "\n"
      << R"({"index": 0, "stage": "followup", "target": "high", "response": "</script>"})"
         "\n";
  auto j = run_page_data(load_run(dir.string(), "r"));
  EXPECT_EQ(j["labels"], nlohmann::json({0, 0, 1, 0, 1, 1, -1, 1, 1}));
  EXPECT_TRUE(j["p"][0][0].is_null());
  EXPECT_EQ(j["p"][1][4], 0.5);
  EXPECT_EQ(j["edges"]["label"], nlohmann::json({{1, 0}, {1, 1}, {3, 1}}));
  EXPECT_EQ(j["edges"]["p"][1], nlohmann::json({{1, 0}, {1, 1}, {3, 1}}));
  EXPECT_EQ(j["edges"]["p"][0], nlohmann::json::array());
  ASSERT_EQ(j["sces"].size(), 6u);
  EXPECT_EQ(j["sces"][0]["line"], 2);
  EXPECT_EQ(j["sces"][0]["from"], nlohmann::json({0, 0}));
  EXPECT_EQ(j["sces"][0]["to"], nlohmann::json({0, 1}));
  EXPECT_EQ(j["sces"][0]["closest"], nlohmann::json({0, 2}));
  EXPECT_EQ(j["sces"][0]["steps"], -1);
  EXPECT_EQ(j["sces"][3]["status"], "ok");  // empty status = parsed
  EXPECT_TRUE(j["sces"][4]["to"].is_null());
  EXPECT_EQ(j["sces"][4]["sce"], nlohmann::json({"5", "v"}));
  EXPECT_EQ(j["steps"]["counts"], nlohmann::json({{-1, 1}, {1, 1}, {2, 2}}));
  EXPECT_EQ(j["steps"]["no_end_point"], 2);
  ASSERT_EQ(j["samples"].size(), 1u);  // turn-1 calls are inside the follow-up conversations
  EXPECT_EQ(j["samples"][0]["response"], "</script>");
  EXPECT_TRUE(j["stability"].is_null());
  EXPECT_TRUE(j["quiz"].is_null());
  EXPECT_EQ(j["model"], "(scored: r)");

  std::ofstream(dir / "stability.json") << R"({"kind": "other", "schema_version": 1})";
  EXPECT_THROW(load_run(dir.string(), "r"), Error);
  fs::remove_all(dir);
}

TEST(ReportRunDirs, SweepDirectoryExpandsToItsRuns) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / "sceval-report-sweep-test";
  fs::remove_all(root);
  for (const char* cell : {"m2__income", "m1__income", "not_a_run"}) fs::create_directories(root / cell);
  for (const char* cell : {"m2__income", "m1__income"}) std::ofstream(root / cell / "results.json") << "{}";
  auto runs = expand_run_dirs({root.string()});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].second, "m1__income");
  EXPECT_EQ(runs[1].second, "m2__income");
  auto one = expand_run_dirs({(root / "m2__income").string() + "/"});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].second, "m2__income");
  EXPECT_THROW(expand_run_dirs({(root / "not_a_run").string()}), Error);
  fs::remove_all(root);
}

}  // namespace
}  // namespace sceval::report
