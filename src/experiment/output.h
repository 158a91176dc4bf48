#pragma once
// Where a run's files go: a run directory, staged while the run goes and committed when it ends,
// and memory (for the library's callers, e.g. Python with no output folder). A run that fails
// before its first answer leaves no folder it made itself behind (NewFolders).
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/exclusive.h"

namespace sceval::experiment {

// The folders a command is about to create for its output (`dir` and its missing parents), noted
// before it creates them. Unless keep() is called, the destructor removes them again, deepest
// first, each only while empty (an empty samples.jsonl inside is removed first): a command that
// fails before it obtained anything leaves nothing behind, while a folder that existed before, or
// one that holds anything (answers, results of an earlier run), is never touched.
class NewFolders {
 public:
  explicit NewFolders(const std::string& dir);
  ~NewFolders();
  NewFolders(const NewFolders&) = delete;
  NewFolders& operator=(const NewFolders&) = delete;
  void keep() { made_.clear(); }

 private:
  std::vector<std::filesystem::path> made_;  // deepest first
};

// The files of a run directory, in the order they are committed (results.json last: its presence
// marks a finished run).
inline constexpr const char* kRunFiles[] = {"decision_map.csv", "sces.csv", "samples.jsonl", "results.json"};
// Files that audits made from a run's answers write into its folder (sceval simulate), in the order
// an audit commits them (simulate.json last). A new run whose decision map or SCEs differ from the
// folder's earlier ones removes them: they describe answers that are no longer there.
inline constexpr const char* kDerivedFiles[] = {"simulate.csv", "simulate_samples.jsonl", "simulate.json"};
// Where a run in progress writes, inside its run directory.
inline constexpr const char* kStagingFolder = ".partial";

struct RunDirPolicy {
  // The settings the new run records (results.json "settings"); null: not checked. A folder that
  // already holds a finished run with other settings is refused unless overwrite is set, so one
  // folder never mixes runs.
  nlohmann::json settings;
  bool overwrite = false;  // replace whatever run (or files of run-file names) the folder holds
};

// A run directory being written. The folder is locked for the run's lifetime (a second command on
// it fails at once). Everything goes to DIR/.partial/ first (samples.jsonl a line per model call,
// whole files as each stage ends); commit() then moves the new files into DIR and results.json last.
// So until a run has finished, the folder keeps the earlier run whole; a run that fails or is killed
// leaves the earlier one untouched and its own partial files in .partial/ (a rerun starts .partial
// anew and takes every answer from the response cache).
class RunOutput {
 public:
  // dir empty: memory only.
  explicit RunOutput(std::string dir = "", RunDirPolicy policy = {});
  ~RunOutput();
  RunOutput(const RunOutput&) = delete;
  RunOutput& operator=(const RunOutput&) = delete;

  const std::string& dir() const { return dir_; }
  void sample(const std::string& line);                    // one samples.jsonl line
  void put(const std::string& name, std::string text);     // a whole file, e.g. "results.json"
  void commit();                                           // the run is complete: its files replace the earlier run's
  const std::string& text(const std::string& name) const;  // throws if not put
  bool has(const std::string& name) const { return files_.contains(name); }
  const std::vector<std::string>& samples() const { return samples_; }

 private:
  std::filesystem::path staging() const;
  void remove_stale_derived_files() const;  // kDerivedFiles, when the answers changed
  std::string dir_;
  std::map<std::string, std::string> files_;
  std::vector<std::string> samples_;
  std::unique_ptr<std::ostream> samples_file_;
  std::unique_ptr<NewFolders> made_;  // kept from the first sample or file on
  std::unique_ptr<DirectoryLock> lock_;
  bool obtained_ = false, committed_ = false;
};

// Refuses (Error naming the folder and what differs) to start a run in `dir` when it holds a
// finished run with other settings, a results.json that is not a run's, or run files without a
// results.json that this scheme would never leave; unless policy.overwrite. Called by RunOutput.
void check_run_dir(const std::filesystem::path& dir, const RunDirPolicy& policy);

}  // namespace sceval::experiment
