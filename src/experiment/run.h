#pragma once
// The paper's protocol end to end (decision map, complements, follow-ups, parsing, live checks of
// off-grid SCEs, metrics), producing a run directory's files:
//   results.json, decision_map.csv, sces.csv, samples.jsonl
// All model calls go through the given Backend (normally a CachingBackend), in fixed chunks, so a
// killed run re-run with the same command finishes without re-asking what was answered.
#include <functional>
#include <string>

#include "experiment/output.h"
#include "experiment/settings.h"
#include "grid/grid.h"
#include "llm/backend.h"

namespace sceval::experiment {

struct RunReport {
  std::size_t requests = 0;         // model calls made through the backend (cached or not)
  std::size_t failed_requests = 0;  // gave FinishReason::Error: re-run to retry them
  nlohmann::json results;           // what results.json holds
};

using Progress = std::function<void(const std::string& stage, std::size_t done, std::size_t total)>;

// The protocol for task `t` on `backend`; the run's files go to `out` (results.json last).
RunReport run(const task::Task& t, const RunSettings& settings, llm::Backend& backend, RunOutput& out,
              const nlohmann::json& model_info = {}, const Progress& progress = {});

// Refuses, before anything is written, what `run` would refuse once under way: a full decision map
// that does not fit in memory, a lazy audit of a huge grid without --sample or --limit.
void check_run(const task::Task& t, const grid::Grid& g, const RunSettings& settings);

// Everything after the last "</think>" (reasoning models): what the paper parsed.
std::string_view strip_thinking(std::string_view reply);

}  // namespace sceval::experiment
