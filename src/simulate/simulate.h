#pragma once
// The simulatability protocol over a finished run directory (docs/simulate.md): reference points,
// balanced counterfactual points, explanations (`free` from the target, `sce` from the run),
// observer predictions without and with them, and the metrics (score.h). Every model call goes
// through the given backends (normally caching ones) in fixed chunks, as every experiment does.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "experiment/run.h"
#include "experiment/stages.h"
#include "metrics/decision_map.h"
#include "metrics/score.h"
#include "simulate/prompts.h"
#include "simulate/score.h"
#include "task/task.h"

namespace sceval::simulate {

// What the audit reads of a run directory.
struct RunInputs {
  std::string dir;
  std::string task_spec;                   // the task's name or file, as the run recorded it
  std::shared_ptr<const task::Task> task;  // shared: a Grid keeps a pointer to it
  metrics::DecisionMap map;
  std::vector<metrics::SceInput> sces;                      // sces.csv, row by row
  std::vector<std::optional<bool>> sce_valid, sce_minimal;  // its strict valid and exact_match columns
  nlohmann::json settings;                                  // results.json "settings"
  bool lazy = false;  // a lazy decision map: points without a row were never asked
};
// Errors name the file (and line) that is missing or malformed.
RunInputs read_run(const std::string& dir);

struct Settings {
  bool free = true, sce = true;  // explanation kinds
  std::size_t hamming = 2, per_point = 8;
  std::optional<std::size_t> sample;
  std::size_t shard_index = 0, shard_count = 1;  // reference k (of the sorted, sampled list) if k mod count == index
  std::uint64_t seed = 42;
  CiSettings ci;
  std::size_t chunk = 64;
  GenerateOptions sampling;  // the observers'
  std::optional<std::string> system;
  Prompts prompts;
  nlohmann::json recorded = nlohmann::json::object();  // simulate.json "settings"
};

struct Party {
  std::string name;
  llm::Backend* backend = nullptr;
  nlohmann::json info;
};
// The target: asked for free explanations and, in lazy runs, for missing truths with the run's own
// settings (so its answers come from the cache the run filled).
struct Target {
  Party party;
  experiment::RunSettings run;
};

struct Outcome {
  nlohmann::json json;  // simulate.json
  Table csv;            // simulate.csv
  std::size_t requests = 0, failures = 0;
};
// `target.party.backend` may be null when no free explanation and no missing truth is needed (an
// Error says so otherwise).
Outcome run_simulation(const RunInputs& in, const Settings& s, const std::vector<Party>& observers,
                       const Target& target, experiment::SampleLog& log, const experiment::Progress& progress);

}  // namespace sceval::simulate
