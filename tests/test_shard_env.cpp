// `--shard auto`: the shard from Slurm job arrays and Kubernetes Indexed Jobs (environment given as
// a map, not the process environment), and that an array's tasks cover every cell exactly once.
#include <gtest/gtest.h>

#include <map>

#include "common/error.h"
#include "experiment/sweep.h"

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
