// Two simulatability audits compared on a hand-worked example: two references, two counterfactual
// points each, observer A gains nothing from the SCEs and observer B predicts every point with them.
//   A: without 2/4, with 2/4: gain 0, NSG 0.      B: without 2/4, with 4/4: gain 0.5, NSG 1.
//   B - A: accuracy with +0.5, gain +0.5, NSG +1.
// The bootstrap draws two references with replacement, the same for both audits (paired): {1,1}
// gives differences 0, 0, 0 (reference 1 alone: A with 1, gain 0.5, NSG 1; B the same); {2,2} gives
// 1, 1, 2 (reference 2: A with 0, gain -0.5, NSG -1; B with 1, gain 0.5, NSG 1); {1,2} the totals.
// Each of {1,1} and {2,2} has probability 1/4, so the 95 % CI is [0, 1] for accuracy with and gain and
// [0, 2] for NSG. An audit compared with itself: differences 0 and CIs [0, 0], which only a paired
// bootstrap gives. Audits of other points are refused naming a point.
#include <gtest/gtest.h>

#include "common/error.h"
#include "simulate/compare.h"

namespace sceval::testing {
namespace {

// Rows (reference, counterfactual, truth, without, with) of one observer's `sce` audit.
simulate::Audit audit(const std::string& name, const std::vector<std::array<std::string, 5>>& rows) {
  simulate::Audit a;
  a.name = name;
  a.json = {{"kind", "simulate"}, {"observers", {{{"name", name}}}}, {"settings", {{"explanation", "sce"}}}};
  a.csv.source = name + "/simulate.csv";
  a.csv.columns = {"reference_index",  "counterfactual_index", "hamming",
                   "reference_answer", "target_answer",        "observer",
                   "explanation",      "prediction_without",   "prediction_with",
                   "sce_valid",        "sce_exact_minimal",    "sce_target"};
  for (const auto& [ref, cf, truth, without, with] : rows)
    a.csv.rows.push_back({ref, cf, "1", "no", truth, name, "sce", without, with, "1", "1", "yes"});
  return a;
}

const simulate::Audit kA = audit("A", {{"1", "10", "yes", "no", "yes"},
                                       {"1", "11", "no", "no", "no"},
                                       {"2", "20", "yes", "no", "no"},
                                       {"2", "21", "no", "no", "yes"}});
const simulate::Audit kB = audit("B", {{"1", "10", "yes", "no", "yes"},
                                       {"1", "11", "no", "no", "no"},
                                       {"2", "20", "yes", "no", "yes"},
                                       {"2", "21", "no", "no", "no"}});

simulate::CiSettings ci() {
  simulate::CiSettings s;
  s.resamples = 2000;
  s.seed = 7;
  return s;
}

TEST(SimulateCompare, PairedDifferencesAndCisEqualTheHandWorkedExample) {
  const auto c = simulate::compare_audits(kA, kB, ci());
  EXPECT_EQ(c["n_references"], 2);
  EXPECT_EQ(c["n_items"], 4);
  const auto& m = c["metrics"]["sce"];
  EXPECT_DOUBLE_EQ(m["a"]["accuracy_without"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(m["a"]["accuracy_with"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(m["a"]["nsg"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(m["b"]["accuracy_with"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["b"]["nsg"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["difference"]["accuracy_with"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(m["difference"]["gain"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(m["difference"]["nsg"].get<double>(), 1.0);
  for (const char* k : {"accuracy_with", "gain"}) {
    EXPECT_DOUBLE_EQ(m["ci"][k][0].get<double>(), 0.0) << k;
    EXPECT_DOUBLE_EQ(m["ci"][k][1].get<double>(), 1.0) << k;
  }
  EXPECT_DOUBLE_EQ(m["ci"]["nsg"][0].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(m["ci"]["nsg"][1].get<double>(), 2.0);
  EXPECT_EQ(simulate::compare_audits(kA, kB, ci()), c);  // seeded
}

TEST(SimulateCompare, AnAuditAgainstItselfHasZeroDifferenceAndAZeroWidthPairedCi) {
  const auto m = simulate::compare_audits(kA, kA, ci())["metrics"]["sce"];
  for (const char* k : {"accuracy_with", "gain", "nsg"}) {
    EXPECT_DOUBLE_EQ(m["difference"][k].get<double>(), 0.0) << k;
    EXPECT_DOUBLE_EQ(m["ci"][k][0].get<double>(), 0.0) << k;
    EXPECT_DOUBLE_EQ(m["ci"][k][1].get<double>(), 0.0) << k;
  }
}

TEST(SimulateCompare, AnAuditWithoutTheSceTargetColumnOfOlderVersionsComparesTheSame) {
  simulate::Audit old = kA;
  old.csv.columns.pop_back();  // sce_target, the last column
  for (auto& row : old.csv.rows) row.pop_back();
  auto c = simulate::compare_audits(old, kB, ci());
  EXPECT_EQ(c["metrics"], simulate::compare_audits(kA, kB, ci())["metrics"]);
}

TEST(SimulateCompare, AuditsOfOtherPointsAreRefusedNamingOne) {
  const auto other = audit("C", {{"1", "10", "yes", "no", "yes"},
                                 {"1", "11", "no", "no", "no"},
                                 {"2", "20", "yes", "no", "yes"},
                                 {"2", "22", "no", "no", "no"}});
  try {
    simulate::compare_audits(kA, other, ci());
    FAIL() << "audits of different points were compared";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("A and C audit different points (4 and 4 (reference, counterfactual) "
                                         "pairs; reference 2, counterfactual 21 is in A only)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sceval::testing
