#pragma once
// Sweeps (`sceval sweep`): models x tasks, one run directory per cell, SWEEP_DIR/<alias>__<task>/,
// split between machines by --shard I/N, and a summary over every finished cell. See docs/sweeps.md.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sceval::experiment {

struct TaskRef {
  std::string spec;  // task name or file, as `sceval run --task` takes it
  std::string name;  // the task's name
};

struct Cell {
  std::string model;  // the model's alias
  TaskRef task;
  std::string name() const { return model + "__" + task.name; }
};

// The cell's run directory under the sweep's output folder (common/file.h output_path: a model
// alias or task name with '/' or ".." is refused instead of writing outside the sweep).
std::string cell_dir(const std::string& sweep_output, const Cell& cell);

// Every model x task cell, sorted by name.
std::vector<Cell> cells(const std::vector<std::string>& aliases, const std::vector<TaskRef>& tasks);

struct Shard {
  std::size_t index = 0, count = 1;
};
Shard parse_shard(const std::string& text);  // "I/N", 0 <= I < N; throws sceval::Error

// Reads an environment variable; nullopt when unset (default: std::getenv).
using EnvReader = std::function<std::optional<std::string>(const std::string& name)>;
// `--shard auto`: the shard of this array task (docs/cluster.md).
//   Slurm job arrays: SLURM_ARRAY_TASK_ID, index = (ID - SLURM_ARRAY_TASK_MIN) / STEP (MIN 0 and
//   STEP 1 when unset), count = SLURM_ARRAY_TASK_COUNT, else (MAX - MIN) / STEP + 1.
//   Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, count = `shards` (--shards N), else $SCEVAL_SHARDS.
// `shards`, when given, must agree with a count Slurm reports. Throws sceval::Error naming the
// variables when none is set, a value is not a number, or the index is out of range.
Shard shard_from_environment(std::optional<std::size_t> shards = std::nullopt, const EnvReader& env = {});
// "auto" -> shard_from_environment(shards, env); anything else -> parse_shard (and --shards, when
// given, must equal its N).
Shard resolve_shard(const std::string& text, std::optional<std::size_t> shards = std::nullopt,
                    const EnvReader& env = {});
// Round-robin over the sorted cell list: cell k belongs to shard k mod N.
std::vector<Cell> shard_cells(const std::vector<Cell>& all, Shard shard);

// True when dir/results.json exists, is complete (no failed request) and was made with `settings`
// (RunSettings::to_json) and model spec `model`.
bool cell_finished(const std::string& dir, const nlohmann::json& settings, const std::string& model);

// Task names matching a pattern list: exact names, task files, or shell globs over the registry
// ("income*"). Every pattern must match something; no name twice.
std::vector<TaskRef> expand_tasks(const std::vector<std::string>& patterns, const std::string& where);

// summary.csv and summary.md over every finished run directory directly under sweep_dir (one row
// per cell, sorted by name); returns the number of rows.
std::size_t write_summary(const std::string& sweep_dir);

}  // namespace sceval::experiment
