#include "simulate/output.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "common/error.h"
#include "common/file.h"
#include "results/results_json.h"

namespace sceval::simulate {

namespace fs = std::filesystem;

namespace {

bool present_at(const fs::path& p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

// The settings that differ, as "key old -> new" (at most 5 named).
std::string differences(const nlohmann::json& was, const nlohmann::json& now) {
  std::vector<std::string> diffs;
  for (const auto& [key, value] : now.items()) {
    const auto old = was.value(key, nlohmann::json());
    if (old != value) diffs.push_back(fmt::format("{} {} -> {}", key, old.dump(), value.dump()));
  }
  for (const auto& [key, value] : was.items())
    if (!now.contains(key)) diffs.push_back(fmt::format("{} {} -> (none)", key, value.dump()));
  const std::size_t shown = std::min<std::size_t>(diffs.size(), 5);
  std::string out =
      fmt::format("{}", fmt::join(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(shown), "; "));
  if (diffs.size() > shown) out += fmt::format("; {} more", diffs.size() - shown);
  return out;
}

}  // namespace

void check_audit_dir(const fs::path& dir, const nlohmann::json& settings, bool overwrite) {
  if (overwrite) return;
  std::vector<std::string> present;
  for (const char* f : kAuditFiles)
    if (present_at(dir / f)) present.push_back(f);
  if (present.empty()) return;
  const std::string advice = "give --overwrite (Python: overwrite=True) to replace it, or write elsewhere";
  const fs::path j = dir / "simulate.json";
  if (present.back() != "simulate.json")
    throw Error(
        fmt::format("{}: holds {} but no simulate.json, so no finished audit (an audit killed while its "
                    "files were moved into place, or another tool's files); {}",
                    dir.string(), fmt::join(present, ", "), advice));
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(j, ec)))
    throw Error(fmt::format("{}: not a regular file, so not an audit's results; {}", j.string(), advice));
  nlohmann::json old;
  try {
    old = results::read_json(j.string());
  } catch (const Error& e) {
    throw Error(fmt::format("{}; {}", e.what(), advice));
  }
  if (!old.is_object() || old.value("kind", "") != "simulate" || !old.contains("settings"))
    throw Error(fmt::format("{}: not the simulate.json of a sceval simulate audit; {}", j.string(), advice));
  if (old["settings"] == settings) return;
  throw Error(fmt::format("{}: holds a simulatability audit with other settings ({}); {}", dir.string(),
                          differences(old["settings"], settings), advice));
}

void check_not_another_run(const fs::path& out, const fs::path& run_dir) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(out / "results.json", ec))) return;
  if (fs::equivalent(out, run_dir, ec)) return;
  throw Error(
      fmt::format("{}: holds another run (its results.json), not {}: an audit goes into the folder of the "
                  "run it audits or a folder without a run",
                  out.string(), run_dir.string()));
}

fs::path start_staging(const fs::path& dir) {
  const fs::path staging = dir / kAuditStaging;
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (ec) throw_fs_error(staging, "remove the partial files of an earlier, unfinished audit", ec);
  ensure_directory(staging);
  return staging;
}

void commit_audit(const fs::path& dir, const std::string& csv, const std::string& json) {
  const fs::path staging = dir / kAuditStaging;
  write_file_atomic((staging / "simulate.csv").string(), csv);
  write_file_atomic((staging / "simulate.json").string(), json);
  std::error_code ec;
  // From here until simulate.json is renamed the folder reads as unfinished, never as a mix.
  fs::remove(dir / "simulate.json", ec);
  if (ec) throw_fs_error(dir / "simulate.json", "remove the earlier audit's results", ec);
  for (const char* f : kAuditFiles) {
    if (present_at(staging / f)) {
      fs::rename(staging / f, dir / f, ec);
      if (ec) throw_fs_error(dir / f, "move the finished audit's file into place", ec);
    } else {
      fs::remove(dir / f, ec);  // the earlier audit's file that this one has none of
      if (ec) throw_fs_error(dir / f, "remove the earlier audit's file", ec);
    }
  }
  fs::remove_all(staging, ec);
}

}  // namespace sceval::simulate
