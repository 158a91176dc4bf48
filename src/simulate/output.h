#pragma once
// Where an audit's files go (docs/simulate.md "Files"): staged in OUT/.partial-simulate/ while the
// audit runs and moved into OUT when it ends, simulate.json last, so OUT never mixes two audits.
// The same scheme as a run directory's (experiment/output.h), for the audit's own file names, so an
// audit can share a folder with the run it audits.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "experiment/output.h"

namespace sceval::simulate {

// In the order they are moved into place: simulate.json last (its presence marks a finished audit).
// The run directory's own list, which a new run with other answers removes (experiment/output.h).
inline constexpr const auto& kAuditFiles = experiment::kDerivedFiles;
inline constexpr const char* kAuditStaging = ".partial-simulate";

// Refuses (sceval::Error naming the folder and what differs) to write an audit into `dir` when it
// holds an audit with other settings, a simulate.json that is no audit's, or audit files without a
// simulate.json (a commit killed half way, or another tool's files); unless `overwrite`.
void check_audit_dir(const std::filesystem::path& dir, const nlohmann::json& settings, bool overwrite);

// Refuses an output folder that holds another run (a results.json, and not the folder of `run_dir`):
// the report of that run would show this audit as its own.
void check_not_another_run(const std::filesystem::path& out, const std::filesystem::path& run_dir);

// Empties DIR/.partial-simulate/ (a killed audit's files: its answers are in the response cache)
// and returns it.
std::filesystem::path start_staging(const std::filesystem::path& dir);

// Writes simulate.csv and simulate.json to the staging folder, then moves the staged files into
// `dir`: the earlier simulate.json is removed first, and an earlier audit file the new audit has
// none of is removed too, so a kill at any point leaves no file of another audit beside the new ones
// under a simulate.json.
void commit_audit(const std::filesystem::path& dir, const std::string& csv, const std::string& json);

}  // namespace sceval::simulate
