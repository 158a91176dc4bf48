// compare on two text runs: a hand-worked pair of sces.csv fixtures (tests/data/text/compare/a, b),
// the expected per-metric differences, counts and one bootstrap interval worked out below.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "common/file.h"
#include "scratch_dir.h"
#include "text/compare.h"
#include "text/sces_csv.h"

namespace sceval::text {
namespace {

const std::string kDir = std::string(SCEVAL_TEST_DATA) + "/text/compare/";

nlohmann::json results(const std::string& run) {
  return nlohmann::json::parse(read_file_text(kDir + run + "/results.json"));
}

nlohmann::json compare_ab(int resamples = 2000) {
  metrics::BootstrapSettings bs;
  bs.resamples = resamples;
  bs.seed = 7;
  return compare_runs(kDir + "a", results("a"), kDir + "b", bs);
}

// Pairs (by item id, target): r1..r4; r5 only in A, r6 only in B. Per pair (A | B):
//   r1  generated, valid, valid with history, lev 0.2, excess 0.5  | generated, valid, history invalid, lev 0.1, excess
//   0 r2  generated, invalid, history valid, lev 0.4, not searched   | generated, valid, history valid, lev 0.2,
//   censored r3  not generated                                              | generated, valid, history valid, lev 0.6,
//   excess 0.25 r4  generated, validity NA, history invalid, lev 0.1           | generated, invalid, history NA, lev
//   0.5
TEST(TextCompare, HandWorkedDifferences) {
  const auto c = compare_ab();
  EXPECT_EQ(c["protocol"], "text");
  EXPECT_EQ(c["task"], "reviews");
  EXPECT_EQ(c["pairs"], 4);
  EXPECT_EQ(c["items"], 4);
  EXPECT_EQ(c["only_in_a"], 1);
  EXPECT_EQ(c["only_in_b"], 1);
  struct Want {
    const char* key;
    std::size_t n;
    double a, b;
  };
  const Want want[] = {
      {"generation_rate", 4, 3.0 / 4, 4.0 / 4},        // every pair counts
      {"validity", 2, 1.0 / 2, 2.0 / 2},               // r1, r2 (r3 A not generated, r4 A NA)
      {"validity_with_history", 2, 2.0 / 2, 1.0 / 2},  // r1, r2 (r4 B NA)
      {"mean_levenshtein_normalized", 3, (0.2 + 0.4 + 0.1) / 3, (0.1 + 0.2 + 0.5) / 3},  // r1, r2, r4
      {"mean_excess", 1, 0.5, 0.0},  // r1 only: r2 unsearched in A and censored in B
  };
  for (const auto& w : want) {
    SCOPED_TRACE(w.key);
    EXPECT_EQ(c["n"][w.key], w.n);
    EXPECT_NEAR(c["values"]["a"][w.key].get<double>(), w.a, 1e-12);
    EXPECT_NEAR(c["values"]["b"][w.key].get<double>(), w.b, 1e-12);
    EXPECT_NEAR(c["difference"][w.key].get<double>(), w.b - w.a, 1e-12);
  }
}

TEST(TextCompare, BootstrapResamplesItems) {
  const auto c = compare_ab();
  // Excess has one pair (difference -0.5): every resample that draws it gives -0.5.
  EXPECT_DOUBLE_EQ(c["ci"]["mean_excess"][0].get<double>(), -0.5);
  EXPECT_DOUBLE_EQ(c["ci"]["mean_excess"][1].get<double>(), -0.5);
  // Generation: per-pair differences 0, 0, +1 (r3), 0; a resample of 4 items has mean k/4 with
  // k ~ Binomial(4, 1/4): P(k = 0) = 0.32 > 0.025 and P(k <= 2) = 0.949 < 0.975 <= P(k <= 3) = 0.996,
  // so the 95 % percentile interval is [0, 0.75] (2000 resamples leave a wide margin).
  EXPECT_DOUBLE_EQ(c["ci"]["generation_rate"][0].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(c["ci"]["generation_rate"][1].get<double>(), 0.75);
  EXPECT_EQ(compare_ab()["ci"], c["ci"]);  // seeded
  const auto none = compare_ab(0);         // no resamples: no interval, the differences unchanged
  EXPECT_TRUE(none["ci"]["validity"][0].is_null());
  EXPECT_EQ(none["difference"], c["difference"]);
}

TEST(TextCompare, PointsKeepOnlyASplitsItems) {
  testing::ScratchDir d;
  const std::string split =
      d.write("split.json", R"({"kind": "split", "task": "reviews", "items": 200, "train": ["r3", "r4", "r6"],
                       "heldout": ["r1", "r2", "r5"]})");
  metrics::BootstrapSettings bs;
  bs.resamples = 0;
  const auto c = compare_runs(kDir + "a", results("a"), kDir + "b", bs, split + ":heldout");
  // r1, r2 paired; r5 only in A; r6 is not held out. Validity: r1 (1 | 1), r2 (0 | 1).
  EXPECT_EQ(c["pairs"], 2);
  EXPECT_EQ(c["only_in_a"], 1);
  EXPECT_EQ(c["only_in_b"], 0);
  EXPECT_EQ(c["points"], split + ":heldout");
  EXPECT_DOUBLE_EQ(c["difference"]["validity"].get<double>(), 1.0 - 0.5);
  EXPECT_DOUBLE_EQ(c["difference"]["generation_rate"].get<double>(), 0.0);
  const auto train = compare_runs(kDir + "a", results("a"), kDir + "b", bs, split + ":train");
  EXPECT_EQ(train["pairs"], 2);      // r3, r4
  EXPECT_EQ(train["only_in_b"], 1);  // r6
  d.write("other.json", R"({"kind": "split", "task": "films", "items": 200, "train": [], "heldout": []})");
  EXPECT_THROW(compare_runs(kDir + "a", results("a"), kDir + "b", bs, d.file("other.json") + ":heldout"), Error);
  d.write("grid.json", R"({"kind": "split", "task": "reviews", "grid_points": 9, "train": [], "heldout": []})");
  EXPECT_THROW(compare_runs(kDir + "a", results("a"), kDir + "b", bs, d.file("grid.json") + ":heldout"), Error);
  EXPECT_THROW(compare_runs(kDir + "a", results("a"), kDir + "b", bs, split + ":all"), Error);
}

TEST(TextCompare, RefusesAnotherTask) {
  const auto a = results("a");
  auto b = a;
  EXPECT_NO_THROW(check_same_text_task(a, "A/results.json", b, "B/results.json"));
  b["task"]["options"] = {"positive", "negative", "mixed"};
  EXPECT_THROW(
      {
        try {
          check_same_text_task(a, "A/results.json", b, "B/results.json");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("A/results.json task.options is [\"positive\",\"negative\"]"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      Error);
  b = a;
  b["task"]["items_path"] = "elsewhere/other.jsonl";
  EXPECT_THROW(check_same_text_task(a, "A/results.json", b, "B/results.json"), Error);
  b = a;
  b["task"]["items_path"] = "/moved/tasks/text/reviews.jsonl";  // the same file elsewhere: accepted
  EXPECT_NO_THROW(check_same_text_task(a, "A/results.json", b, "B/results.json"));
}

TEST(TextCompare, BadCellsNameFileLineAndColumn) {
  testing::ScratchDir d;
  std::string csv = read_file_text(kDir + "a/sces.csv");
  const auto at = csv.find(",true,,true,true,");  // r1's generated .. valid_with_history
  ASSERT_NE(at, std::string::npos);
  csv.replace(at, 17, ",true,,yes,true,");
  try {
    read_sce_records(d.write("sces.csv", csv));
    FAIL() << "accepted valid = yes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sces.csv:2, column 'valid'"), std::string::npos) << e.what();
  }
  const std::string dup =
      read_file_text(kDir + "a/sces.csv") + csv.substr(csv.find("\nr2") + 1, csv.find("\nr3") - csv.find("\nr2"));
  std::filesystem::create_directory(d.path / "dup");
  d.write("dup/sces.csv", dup);
  EXPECT_THROW(compare_runs(d.file("dup"), results("a"), kDir + "b", {}), Error);
}

}  // namespace
}  // namespace sceval::text
