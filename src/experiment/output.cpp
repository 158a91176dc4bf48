#include "experiment/output.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <filesystem>
#include <algorithm>
#include <system_error>

#include "common/error.h"
#include "common/file.h"
#include "results/results_json.h"

namespace sceval::experiment {

namespace fs = std::filesystem;

NewFolders::NewFolders(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "out/" -> "out"
  for (; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    std::error_code ec;
    const auto st = fs::symlink_status(p, ec);
    if (fs::exists(st) || (ec && ec != std::errc::no_such_file_or_directory)) break;  // not ours (or cannot tell)
    made_.push_back(p);
  }
}

NewFolders::~NewFolders() {
  for (const auto& d : made_) {
    std::error_code ec;
    const fs::path samples = d / "samples.jsonl";
    if (fs::is_regular_file(fs::symlink_status(samples, ec)) && fs::file_size(samples, ec) == 0)
      fs::remove(samples, ec);
    fs::remove(d, ec);  // an empty folder only: anything written since stays, and so does its folder
    if (ec) return;
  }
}

void check_run_dir(const fs::path& dir, const RunDirPolicy& policy) {
  if (policy.overwrite) return;
  std::vector<std::string> present;
  for (const char* f : kRunFiles) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dir / f, ec))) present.push_back(f);
  }
  if (present.empty()) return;
  const std::string advice =
      "use --overwrite (Python: overwrite=True) to replace it, or write elsewhere (-o; Python: out=)";
  const fs::path results = dir / "results.json";
  if (present.back() != "results.json")
    throw Error(
        fmt::format("{}: holds {} but no results.json, so not a finished sceval run (files of another tool, "
                    "or a run an older sceval left unfinished); {}",
                    dir.string(), fmt::join(present, ", "), advice));
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(results, ec)))
    throw Error(fmt::format("{}: not a regular file (a link or a folder), so not a run's results; {}", results.string(),
                            advice));
  nlohmann::json old;
  try {
    old = results::read_json(results.string());
  } catch (const Error& e) {
    throw Error(fmt::format("{}; {}", e.what(), advice));
  }
  if (!old.is_object() || !old.contains("settings") || !old["settings"].is_object())
    throw Error(
        fmt::format("{}: not the results.json of a sceval run (no \"settings\"); {}", results.string(), advice));
  if (!policy.settings.is_object()) return;
  std::vector<std::string> diffs;
  for (const auto& [key, value] : policy.settings.items()) {
    if (key == "output" || !old["settings"].contains(key)) continue;  // the folder's own name; older versions
    const auto& was = old["settings"][key];
    if (was != value) diffs.push_back(fmt::format("{} {} -> {}", key, was.dump(), value.dump()));
  }
  if (diffs.empty()) return;
  const std::size_t shown = std::min<std::size_t>(diffs.size(), 5);
  throw Error(fmt::format("{}: holds a finished run with other settings ({}{}); {}", dir.string(),
                          fmt::join(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(shown), "; "),
                          diffs.size() > shown ? fmt::format("; {} more", diffs.size() - shown) : "", advice));
}

RunOutput::RunOutput(std::string dir, RunDirPolicy policy) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  made_ = std::make_unique<NewFolders>(dir_);
  ensure_directory(dir_, "run directory");
  lock_ = std::make_unique<DirectoryLock>(dir_);
  check_run_dir(dir_, policy);
  std::error_code ec;
  fs::remove_all(staging(), ec);  // a killed run's partial files: its answers are in the response cache
  if (ec) throw_fs_error(staging(), "remove the partial files of an earlier, unfinished run", ec);
  fs::create_directory(staging(), ec);  // our own: an existing entry here would be someone else's
  if (ec || !fs::is_directory(fs::symlink_status(staging(), ec)))
    throw_fs_error(staging(), "create the folder of the run in progress",
                   ec ? ec : std::make_error_code(std::errc::file_exists));
}

RunOutput::~RunOutput() {
  if (dir_.empty() || committed_) return;
  samples_file_.reset();
  if (obtained_) return;  // partial files stay in .partial/ for a look; the next run starts it anew
  std::error_code ec;
  fs::remove_all(staging(), ec);
  if (lock_) lock_->release_and_remove();  // then NewFolders can remove a folder this run made
}

fs::path RunOutput::staging() const { return fs::path(dir_) / kStagingFolder; }

void RunOutput::sample(const std::string& line) {
  samples_.push_back(line);
  if (dir_.empty()) return;
  made_->keep();  // an answer (or a logged failure): the run directory stays, for a resume
  obtained_ = true;
  if (!samples_file_) samples_file_ = create_new_file((staging() / "samples.jsonl").string());
  *samples_file_ << line << '\n';
  samples_file_->flush();  // a killed run keeps every logged call
  if (!*samples_file_) throw Error(fmt::format("{}: write failed", (staging() / "samples.jsonl").string()));
}

void RunOutput::put(const std::string& name, std::string text) {
  if (!dir_.empty()) {
    made_->keep();
    obtained_ = true;
    write_file_atomic((staging() / name).string(), text);
  }
  files_[name] = std::move(text);
}

void RunOutput::remove_stale_derived_files() const {
  const fs::path dir(dir_);
  bool same = true;
  for (const char* f : {"decision_map.csv", "sces.csv"}) {
    std::error_code ec;
    const auto it = files_.find(f);
    const bool was = fs::is_regular_file(dir / f, ec);
    if (it == files_.end() || !was || read_file_text((dir / f).string(), "run file") != it->second) same = false;
  }
  if (same) return;  // the same answers again (a finished run rerun): its audits still hold
  for (const char* f : kDerivedFiles) {
    std::error_code ec;
    fs::remove(dir / f, ec);
    if (ec) throw_fs_error(dir / f, "remove an audit of the earlier run", ec);
  }
}

void RunOutput::commit() {
  if (dir_.empty() || committed_) return;
  if (!files_.contains("results.json")) throw Error("internal: a run is committed before its results.json");
  if (samples_file_) {
    samples_file_->flush();
    if (!*samples_file_) throw Error(fmt::format("{}: write failed", (staging() / "samples.jsonl").string()));
    samples_file_.reset();
  }
  const fs::path dir(dir_);
  std::error_code ec;
  remove_stale_derived_files();
  // From here until results.json is renamed the folder reads as unfinished, never as a mix.
  fs::remove(dir / "results.json", ec);
  if (ec) throw_fs_error(dir / "results.json", "remove the earlier run's results", ec);
  for (const char* f : kRunFiles) {
    const fs::path from = staging() / f, to = dir / f;
    if (fs::exists(fs::symlink_status(from, ec))) {
      fs::rename(from, to, ec);  // replaces an entry at `to` itself (a link is replaced, not followed)
      if (ec) throw_fs_error(to, "move the finished run's file into place", ec);
    } else {
      fs::remove(to, ec);  // the earlier run's file that this run has none of (samples.jsonl of a model run)
      if (ec) throw_fs_error(to, "remove the earlier run's file", ec);
    }
  }
  fs::remove_all(staging(), ec);
  committed_ = true;
}

const std::string& RunOutput::text(const std::string& name) const {
  auto it = files_.find(name);
  if (it == files_.end()) throw Error(fmt::format("internal: the run wrote no {}", name));
  return it->second;
}

}  // namespace sceval::experiment
