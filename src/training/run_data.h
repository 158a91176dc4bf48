#pragma once
// A run directory read for training export: the task, its grid and distance, the decision map,
// the audited SCEs and the exact conversations the run had (samples.jsonl).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/message.h"
#include "grid/distance.h"
#include "grid/grid.h"
#include "metrics/decision_map.h"
#include "metrics/score.h"
#include "task/task.h"

namespace sceval::training {

// One recorded model call: the messages sent and the reply (verbatim, thinking included).
struct Exchange {
  Conversation messages;
  std::string response;
};

struct RunData {
  std::string dir;
  std::string sha256;                // of the run's files, see run_sha256()
  std::unique_ptr<task::Task> task;  // owned here: the grid points at it
  std::unique_ptr<grid::Grid> grid;
  task::DistanceKind distance = task::DistanceKind::Gower;
  metrics::DecisionMap map;
  std::vector<metrics::SceInput> sces;    // sces.csv rows that are not censored, in file order
  std::size_t censored = 0;               // sces.csv rows a lazy run could not settle (skipped)
  bool has_samples = false;               // samples.jsonl exists (a `run`, not a `score`)
  std::map<grid::Index, Exchange> turn1;  // stage decision_map
  std::map<std::pair<grid::Index, metrics::Label>, Exchange> followups;  // stage followup
};

// Reads DIR/results.json, decision_map.csv, sces.csv and (when present) samples.jsonl. The task is
// results.json's task.path when that file exists, else its name; `task_override` replaces both.
// Throws sceval::Error naming the file (and line) on bad input, and when the run has no SCEs.
RunData load_run(const std::string& dir, const std::string& task_override = {});

// sha256 of the lines "<file> <sha256 of file>\n" for results.json, decision_map.csv, sces.csv and
// samples.jsonl (when present), in that order: one fingerprint for the run's data.
std::string run_sha256(const std::string& dir);

}  // namespace sceval::training
