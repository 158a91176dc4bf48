#pragma once
// Experiments beyond one run: sweeps over models x tasks, decision-boundary stability across
// prompt variants, the Gower quiz. See docs/sweeps.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sceval/model.h"
#include "sceval/options.h"
#include "sceval/run.h"
#include "sceval/table.h"
#include "sceval/task.h"

namespace sceval {

struct SweepOptions {
  std::string shard = "0/1";          // I/N: cells k with k mod N == I of the name-sorted list; "auto": docs/cluster.md
  std::optional<std::size_t> shards;  // N for shard "auto" in a Kubernetes Indexed Job (else $SCEVAL_SHARDS)
  std::string cache;                  // overrides the config's cache for every cell
  bool summary_only = false;          // only (re)write summary.csv/md
};

struct SweepHooks {
  std::function<void(std::size_t k, std::size_t n, const std::string& cell)> before_cell;  // a cell starts
  std::function<void(const std::string& cell, const RunResult&)> after_cell;               // ...and finished
};

struct SweepReport {
  std::size_t cells = 0, ran = 0, skipped = 0;
  std::vector<std::string> incomplete;  // "cell (N failed)"
  std::size_t summary_rows = 0;
  std::string summary_markdown;  // summary.md
};

// Every cell of a sweep config (JSON, docs/sweeps.md) into out/<alias>__<task>/, skipping finished
// cells, then summary.csv/md over every finished cell.
SweepReport sweep(const std::string& config_path, const std::string& out, const SweepOptions& o = {},
                  const Callbacks& cb = {}, const SweepHooks& hooks = {});

// summary.csv of a sweep directory (one row per finished cell).
Table load_sweep(const std::string& dir);

// Task names matching names, files or shell globs ("income_[0-9]*"); each must match something.
std::vector<std::string> expand_tasks(const std::vector<std::string>& patterns, const std::string& where);

// The turn-1 decision map under each variant (>= 2 tasks over the same grid), per-point agreement,
// boundary band: stability.json's contents. Writes out/stability.json, decision_maps/, samples.jsonl.
nlohmann::json stability(const std::vector<std::string>& variants, Model& model, const Options& options,
                         const std::string& out, const Callbacks& cb = {});

struct QuizOptions {
  std::size_t items = 1000, candidates = 4;
  std::uint64_t seed = kDefaultSeed;
  std::string quiz;  // quiz file; empty: quiz/gower.quiz in the task directories
};
// The paper's Gower multiple-choice test: gower_quiz.json's contents (written to out/).
nlohmann::json gower_quiz(const Task& task, Model& model, const Options& options, const QuizOptions& q,
                          const std::string& out, const Callbacks& cb = {});

}  // namespace sceval
