// Sweep bookkeeping without a model: shards, finished cells, the summary over run directories.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
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

// `--shard auto`: the shard from Slurm job arrays and Kubernetes Indexed Jobs (environment given as
// a map, not the process environment), and that an array's tasks cover every cell exactly once.

namespace sceval::experiment {
namespace {

EnvReader env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::string error_of(std::optional<std::size_t> shards, const EnvReader& e) {
  try {
    shard_from_environment(shards, e);
  } catch (const Error& err) {
    return err.what();
  }
  return "no error";
}

TEST(ShardAuto, SlurmArray) {
  // sbatch --array=0-3: ID 2, COUNT 4
  auto s = shard_from_environment(std::nullopt, env({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 4u);
  // sbatch --array=1-5 (1-based), MIN/MAX only: ID 1 is shard 0 of 5
  s = shard_from_environment(
      std::nullopt, env({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_MAX", "5"}}));
  EXPECT_EQ(s.index, 0u);
  EXPECT_EQ(s.count, 5u);
  // sbatch --array=0-8:4 -> tasks 0, 4, 8: ID 8 is shard 2 of 3
  s = shard_from_environment(std::nullopt, env({{"SLURM_ARRAY_TASK_ID", "8"},
                                                {"SLURM_ARRAY_TASK_MIN", "0"},
                                                {"SLURM_ARRAY_TASK_MAX", "8"},
                                                {"SLURM_ARRAY_TASK_STEP", "4"}}));
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 3u);
  // --shards must agree with the array
  EXPECT_NE(error_of(3, env({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "4"}})).find("--shards 3"),
            std::string::npos);
  EXPECT_NE(error_of(std::nullopt, env({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}))
                .find("SLURM_ARRAY_TASK_ID=\"x\""),
            std::string::npos);
  EXPECT_NE(
      error_of(std::nullopt, env({{"SLURM_ARRAY_TASK_ID", "4"}, {"SLURM_ARRAY_TASK_COUNT", "4"}})).find("shard 4 of 4"),
      std::string::npos);
  EXPECT_NE(error_of(std::nullopt, env({{"SLURM_ARRAY_TASK_ID", "4"}})).find("SLURM_ARRAY_TASK_COUNT"),
            std::string::npos);
}

TEST(ShardAuto, KubernetesIndexedJob) {
  auto s = shard_from_environment(6, env({{"JOB_COMPLETION_INDEX", "5"}}));
  EXPECT_EQ(s.index, 5u);
  EXPECT_EQ(s.count, 6u);
  s = shard_from_environment(std::nullopt, env({{"JOB_COMPLETION_INDEX", "0"}, {"SCEVAL_SHARDS", "3"}}));
  EXPECT_EQ(s.index, 0u);
  EXPECT_EQ(s.count, 3u);
  EXPECT_NE(error_of(std::nullopt, env({{"JOB_COMPLETION_INDEX", "0"}})).find("--shards N"), std::string::npos);
  EXPECT_NE(error_of(2, env({{"JOB_COMPLETION_INDEX", "2"}})).find("shard 2 of 2"), std::string::npos);
}

TEST(ShardAuto, NothingSetIsAClearError) {
  const std::string e = error_of(std::nullopt, env({}));
  EXPECT_NE(e.find("SLURM_ARRAY_TASK_ID"), std::string::npos) << e;
  EXPECT_NE(e.find("JOB_COMPLETION_INDEX"), std::string::npos) << e;
  EXPECT_THROW(resolve_shard("auto", std::nullopt, env({})), Error);
  auto s = resolve_shard("1/3", std::nullopt, env({}));
  EXPECT_EQ(s.index, 1u);
  EXPECT_THROW(resolve_shard("1/3", 4, env({})), Error);
}

TEST(ShardAuto, ArrayTasksCoverEveryCellOnce) {
  std::vector<TaskRef> tasks{{"a", "a"}, {"b", "b"}, {"c", "c"}};
  const auto all = cells({"m1", "m2", "m3"}, tasks);
  for (std::size_t n : {1u, 2u, 4u, 9u, 12u}) {
    std::map<std::string, int> seen;
    for (std::size_t id = 1; id <= n; ++id) {  // --array=1-N
      auto s = shard_from_environment(std::nullopt, env({{"SLURM_ARRAY_TASK_ID", std::to_string(id)},
                                                         {"SLURM_ARRAY_TASK_MIN", "1"},
                                                         {"SLURM_ARRAY_TASK_MAX", std::to_string(n)}}));
      for (const auto& c : shard_cells(all, s)) ++seen[c.name()];
    }
    ASSERT_EQ(seen.size(), all.size()) << n;
    for (const auto& [name, k] : seen) EXPECT_EQ(k, 1) << name;
  }
}

}  // namespace
}  // namespace sceval::experiment
