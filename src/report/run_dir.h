#pragma once
// A run directory as written by `sceval run` / `score` (README "File formats"), read as plain
// files: the report depends on no other sceval module, only on the formats.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "report/geometry.h"

namespace sceval::report {

struct RunDir {
  std::string path, name;
  nlohmann::json results;
  Table decision_map, sces;
  std::vector<nlohmann::json> samples;      // follow-up and live-check calls of samples.jsonl
  std::optional<nlohmann::json> stability;  // stability.json
  std::optional<nlohmann::json> quiz;       // gower_quiz.json
  std::optional<nlohmann::json> simulate;   // simulate.json (sceval simulate with -o the run directory)
  // Text runs (results.json "protocol": "text"): decision_map holds the predictions (id, label, ...),
  // sces one row per item and requested label; the items' original texts by id (text_run.h).
  bool text = false;
  std::map<std::string, std::string> originals;
  std::string originals_source, originals_note;  // the items file read, or why none was
};

RunDir load_run(const std::string& path, const std::string& name);

// samples.jsonl (none if the file is absent): every call but the decision-map stage's, each an
// object with a "stage"; a damaged line is an error naming file and line.
std::vector<nlohmann::json> read_samples(const std::string& path);

// Each argument is a run directory (holds results.json) or a sweep directory (its subdirectories
// that hold results.json, in name order). Returns (path, display name) pairs.
std::vector<std::pair<std::string, std::string>> expand_run_dirs(const std::vector<std::string>& args);

// The feature axes of decision_map.csv: the columns between `index` and `label`, each feature's
// values in order of first appearance (rows in grid order). Checks that the rows form the full grid.
Axes read_axes(const Table& decision_map);
// The feature columns of a decision map: those before `label`, without `index`.
std::vector<std::size_t> feature_columns(const Table& decision_map);
// Refuses (naming the file, line and value) the first row of an sces.csv whose target is not one of
// the task's options.
void check_targets(const Table& sces, const std::vector<std::string>& options);

}  // namespace sceval::report
