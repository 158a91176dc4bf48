#pragma once
// Running and scoring the paper's protocol, and reading run directories back.
//
//   run directory = results.json (metrics of both modes, CIs, counts, baselines, settings),
//                   decision_map.csv, sces.csv, samples.jsonl (every request and raw reply)
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sceval/model.h"
#include "sceval/options.h"
#include "sceval/table.h"
#include "sceval/task.h"

namespace sceval {

// Progress of a long call, reported at each chunk of a stage and as answers arrive within it.
struct Progress {
  std::string stage;                            // "decision map", "follow-ups", ...
  std::size_t done = 0, total = 0;              // the stage's requests, in whole chunks
  std::size_t chunk_done = 0, chunk_total = 0;  // answers within the chunk in flight (0/0 at a chunk's end)
  std::size_t cache_hits = 0, failures = 0;     // since the call began
};
struct Callbacks {
  std::function<void(const Progress&)> progress;  // called on the calling thread; may throw to stop
  std::function<void(const std::string&)> log;    // debug lines (retried HTTP requests, keys removed)
};

struct RunResult {
  nlohmann::json results;               // results.json
  Table decision_map;                   // decision_map.csv
  Table sces;                           // sces.csv
  std::vector<nlohmann::json> samples;  // samples.jsonl (runs of a model only)
  std::size_t requests = 0, cache_hits = 0, asked = 0, failed_requests = 0;

  // Writes the run directory (the same files `sceval run` writes). A folder holding a finished run
  // of other settings is refused (sceval::Error saying what differs) unless `overwrite`.
  void save(const std::string& dir, bool overwrite = false) const;
};

// The protocol on a model, through the response cache (options cache/no_cache/refresh), with the
// run options of `options` (option_table(), scope kRun). `out`: the run directory, written as the
// run goes (empty: nothing is written). Requests that still fail after retries are counted in
// failed_requests (run again to retry them); an exception from the model stops the run with every
// answer so far cached.
RunResult run(const Task& task, Model& model, const Options& options, const std::string& out = "",
              const Callbacks& cb = {});

struct ScoreOptions {
  std::string distance;  // gower | l1_mad | l2_std; empty: the task's
  int bootstrap = kDefaultBootstrap;
  std::uint64_t seed = kDefaultSeed;
  std::vector<std::pair<std::uint64_t, std::string>> only;  // keep only these (index, target) rows; empty: all
  std::string points;  // "SPLIT.json:heldout" | "SPLIT.json:train" (export_training's split): only those points
};

// Scores SCEs (SCE CSV format) against a decision map (decision-map CSV format) in both modes.
RunResult score(const Task& task, const Table& decision_map, const Table& sces, const ScoreOptions& o = {});

// A run directory written by `sceval run`/`score` or RunResult::save.
RunResult load_run(const std::string& dir);

// The exact closest counterfactual of every labelled point: index,d_min,closest_index,closest_<f>...
// mode: strict (exact arithmetic; "exact" is accepted too) | paper (the paper's float arithmetic).
Table closest(const Task& task, const Table& decision_map, const std::string& distance = "",
              const std::string& mode = "strict");

struct CompareOptions {
  std::string mode = "strict";  // strict | paper
  int bootstrap = kDefaultBootstrap;
  std::uint64_t seed = kDefaultSeed;
  std::vector<std::pair<std::uint64_t, std::string>> only;  // keep only these (index, target) rows; empty: all
  std::string points;  // "SPLIT.json:heldout" | "SPLIT.json:train": only those grid points
};
// Paired difference B - A of two scored run directories on the same (point, target) rows, with
// bootstrap CIs and both runs' baselines: what `sceval compare` prints.
nlohmann::json compare(const std::string& run_a, const std::string& run_b, const CompareOptions& o = {});

}  // namespace sceval
