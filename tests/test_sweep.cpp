// Sweep bookkeeping without a model: shards, finished cells, the summary over run directories.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/csv.h"
#include "common/error.h"
#include "common/file.h"
#include "experiment/sweep.h"

using namespace sceval;
namespace fs = std::filesystem;

TEST(Sweep, ShardsPartitionTheSortedCells) {
  std::vector<experiment::TaskRef> tasks = {{"t_b", "t_b"}, {"t_a", "t_a"}, {"t_c", "t_c"}};
  auto all = experiment::cells({"m2", "m1"}, tasks);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all.front().name(), "m1__t_a");
  EXPECT_EQ(all.back().name(), "m2__t_c");
  for (std::size_t n = 1; n <= 7; ++n) {
    std::multiset<std::string> seen;
    for (std::size_t i = 0; i < n; ++i) {
      auto mine = experiment::shard_cells(all, {i, n});
      EXPECT_LE(mine.size(), (all.size() + n - 1) / n);
      for (const auto& c : mine) seen.insert(c.name());
    }
    std::multiset<std::string> expected;
    for (const auto& c : all) expected.insert(c.name());
    EXPECT_EQ(seen, expected) << n << " shards cover every cell exactly once";
  }
}

TEST(Sweep, ParseShard) {
  EXPECT_EQ(experiment::parse_shard("1/3").index, 1u);
  EXPECT_EQ(experiment::parse_shard("1/3").count, 3u);
  for (const char* bad : {"3/3", "1", "a/2", "1/0", "-1/2", "1/2x", ""})
    EXPECT_THROW(experiment::parse_shard(bad), Error) << bad;
}

TEST(Sweep, SummaryListsFinishedCellsOnly) {
  const fs::path dir = fs::temp_directory_path() / "sceval_test_sweep_summary";
  fs::remove_all(dir);
  auto write = [&](const std::string& cell, const std::string& text) {
    fs::create_directories(dir / cell);
    std::ofstream(dir / cell / "results.json") << text;
  };
  auto results = [](bool complete, double validity, const std::string& spec = "gguf:x.gguf") {
    nlohmann::json m = {{"n", 10}, {"validity", validity}, {"mean_rcf_a", 0.25}, {"exact_match", 0.5}, {"tm", nullptr}};
    nlohmann::json mode = {
        {"metrics", m}, {"ci", {{"validity", {0.1, 0.9}}, {"mean_rcf_a", {0.2, 0.3}}}}, {"counts", {{"total", 12}}}};
    return nlohmann::json{
        {"schema_version", 1},
        {"complete", complete},
        {"task", {{"name", "income"}, {"options", {"Below $50,000", "Above $50,000"}}, {"grid_points", 1920}}},
        {"model", {{"spec", spec}}},
        {"settings", {{"limit", 3}}},
        {"decision_map", {{"labels", {{"NA", 3}}}}},
        {"paper", mode},
        {"strict", mode}}
        .dump();
  };
  write("b__income", results(true, 0.75, "openai:m@http://user:hunter2@127.0.0.1:9/v1"));  // an edited cell
  write("a__income", results(true, 0.5));
  write("c__income", results(false, 0.5));  // failed requests: not finished
  write("d__income", "{\"complete\": tr");  // being written
  EXPECT_EQ(experiment::write_summary(dir.string()), 2u);
  auto t = csv::read_file((dir / "summary.csv").string());
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][*t.column("cell")], "a__income");
  EXPECT_EQ(t.rows[1][*t.column("model")], "b");
  EXPECT_EQ(t.rows[1][*t.column("strict_validity")], "0.75");
  EXPECT_EQ(t.rows[1][*t.column("strict_validity_hi")], "0.9");
  EXPECT_EQ(t.rows[1][*t.column("strict_tm")], "");
  EXPECT_EQ(t.rows[1][*t.column("na_points")], "3");
  EXPECT_EQ(t.rows[1][*t.column("spec")], "openai:m@http://***@127.0.0.1:9/v1");
  for (const char* f : {"summary.csv", "summary.md"})
    EXPECT_EQ(read_file_text((dir / f).string()).find("hunter2"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "summary.md"));
  const nlohmann::json settings = {{"limit", 3}};
  EXPECT_TRUE(experiment::cell_finished((dir / "a__income").string(), settings, "gguf:x.gguf"));
  EXPECT_FALSE(experiment::cell_finished((dir / "a__income").string(), {{"limit", 4}}, "gguf:x.gguf"));
  EXPECT_FALSE(experiment::cell_finished((dir / "a__income").string(), settings, "gguf:y.gguf"));
  EXPECT_FALSE(experiment::cell_finished((dir / "c__income").string(), settings, "gguf:x.gguf"));
  EXPECT_FALSE(experiment::cell_finished((dir / "d__income").string(), settings, "gguf:x.gguf"));
  EXPECT_FALSE(experiment::cell_finished((dir / "e__income").string(), settings, "gguf:x.gguf"));
  fs::remove_all(dir);
}
