// The interchange formats and `score` on examples/income-rule, whose SCE policy is known by
// construction (tools/make_demo.py): even ages get the closest other-side point, odd ages stop one
// grid step short of it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/csv.h"
#include "common/error.h"
#include "results/decision_map_csv.h"
#include "results/sce_csv.h"
#include "task/registry.h"

using namespace sceval;

namespace {

const std::string kExample = std::string(SCEVAL_SOURCE_DIR) + "/examples/income-rule/";

std::string write_temp(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("sceval_test_" + name);
  std::ofstream(p) << text;
  return p.string();
}

}  // namespace

TEST(ResultsIo, KnownPolicyIsMeasured) {
  task::Task t = task::resolve_task("income");
  grid::Grid g(t);
  auto map = results::read_decision_map(g, kExample + "decision_map.csv");
  auto sces = results::read_sces(g, kExample + "sces.csv");
  grid::Distance exact(g, task::DistanceKind::Gower, grid::Arithmetic::Exact);
  metrics::Scorer strict(exact, map, metrics::Mode::Strict);
  int even = 0, odd = 0;
  for (const auto& s : sces) {
    if (s.status != "ok") continue;
    auto r = strict.score(s);
    const auto age = g.feature(0).code(g.position(s.index, 0));
    if (age % 2 == 0) {
      ++even;
      EXPECT_TRUE(*r.valid) << s.index;
      EXPECT_TRUE(*r.exact_match) << s.index;
      EXPECT_EQ(r.rcf, 0.0);
    } else {
      ++odd;
      EXPECT_FALSE(*r.valid) << s.index;
      // One grid step from the boundary: 1/79 (age) or 1/23 (education), halved by Gower's mean.
      EXPECT_TRUE(r.icf_a == 1.0 / 79 / 2 || r.icf_a == 1.0 / 23 / 2) << s.index << " " << r.icf_a;
    }
  }
  EXPECT_GT(even, 50);
  EXPECT_GT(odd, 50);
}

TEST(ResultsIo, DecisionMapRoundTrip) {
  task::Task t = task::resolve_task("income");
  grid::Grid g(t);
  auto map = results::read_decision_map(g, kExample + "decision_map.csv");
  auto out = (std::filesystem::temp_directory_path() / "sceval_test_dm.csv").string();
  results::write_decision_map(g, map, out);
  auto again = results::read_decision_map(g, out);
  EXPECT_EQ(again.labels, map.labels);
  EXPECT_EQ(map.count(metrics::kNA), 12u);
  // Education levels with commas are quoted (RFC 4180) and read back.
  auto table = csv::read_file(out);
  EXPECT_EQ(table.rows[14][2], "12th grade, no diploma");
}

TEST(ResultsIo, ErrorsNameFileLineAndColumn) {
  task::Task t = task::resolve_task("income");
  grid::Grid g(t);
  auto bad_value =
      write_temp("bad_value.csv", "index,AGEP,SCHL,label\n0,17,N/A - no schooling completed,\n1,17,Nursery,\n");
  try {
    results::read_decision_map(g, bad_value);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad_value.csv:3, column 'SCHL'"), std::string::npos) << e.what();
  }
  auto mismatch = write_temp("mismatch.csv", "index,AGEP,SCHL,label\n5,17,N/A - no schooling completed,\n");
  EXPECT_THROW(results::read_decision_map(g, mismatch), Error);
  auto ragged = write_temp("ragged.csv", "index,label\n0\n");
  try {
    results::read_decision_map(g, ragged);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ragged.csv:2"), std::string::npos) << e.what();
  }
  auto bad_target = write_temp("bad_target.csv", "index,target,sce_AGEP,sce_SCHL\n0,Maybe,20,Kindergarten\n");
  EXPECT_THROW(results::read_sces(g, bad_target), Error);
  // Off-grid and unknown values become statuses, not errors.
  auto odd = write_temp(
      "odd.csv",
      "index,target,sce_AGEP,sce_SCHL\n0,\"Above $50,000\",200,Kindergarten\n1,\"Above $50,000\",20,Wizard school\n");
  auto s = results::read_sces(g, odd);
  EXPECT_EQ(s[0].status, "off_grid");
  EXPECT_EQ(*s[0].values[0], 200.0);
  EXPECT_EQ(s[1].status, "unknown_level");
}

TEST(Csv, Rfc4180) {
  auto t = csv::parse("a,b\n\"x, \"\"y\"\"\",2\r\n\"multi\nline\",3\n", "mem.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "x, \"y\"");
  EXPECT_EQ(t.rows[1][0], "multi\nline");
  EXPECT_EQ(t.row_lines[1], 3u);
  EXPECT_EQ(csv::quote("a,b"), "\"a,b\"");
  EXPECT_THROW(csv::parse("a\n\"open\n", "x.csv"), Error);
}
