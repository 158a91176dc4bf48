#include "experiment/output.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "common/error.h"
#include "common/file.h"
#include "results/results_json.h"

namespace sceval::experiment {

namespace fs = std::filesystem;

struct RunOutput::File {
  std::ofstream out;
  std::string path;
};

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
    if (fs::is_regular_file(fs::symlink_status(samples, ec)) && fs::file_size(samples, ec) == 0) fs::remove(samples, ec);
    fs::remove(d, ec);  // an empty folder only: anything written since stays, and so does its folder
    if (ec) return;
  }
}

RunOutput::RunOutput(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  made_ = std::make_unique<NewFolders>(dir_);
  results::begin_run_dir(dir_);  // incomplete until results.json is written again
  std::error_code ec;
  fs::remove(fs::path(dir_) / "samples.jsonl", ec);  // a new one is started by the first call logged
}

RunOutput::~RunOutput() = default;

void RunOutput::sample(const std::string& line) {
  samples_.push_back(line);
  if (dir_.empty()) return;
  made_->keep();  // an answer (or a logged failure): the run directory stays, for a resume
  if (!samples_file_) {
    samples_file_ = std::make_unique<File>();
    samples_file_->path = (fs::path(dir_) / "samples.jsonl").string();
    samples_file_->out.open(samples_file_->path, std::ios::trunc | std::ios::binary);
    if (!samples_file_->out) throw Error(fmt::format("{}: cannot open for writing", samples_file_->path));
  }
  samples_file_->out << line << '\n';
  samples_file_->out.flush();  // a killed run keeps every logged call
  if (!samples_file_->out) throw Error(fmt::format("{}: write failed", samples_file_->path));
}

void RunOutput::put(const std::string& name, std::string text) {
  if (!dir_.empty()) {
    made_->keep();
    write_file_atomic((fs::path(dir_) / name).string(), text);
  }
  files_[name] = std::move(text);
}

const std::string& RunOutput::text(const std::string& name) const {
  auto it = files_.find(name);
  if (it == files_.end()) throw Error(fmt::format("internal: the run wrote no {}", name));
  return it->second;
}

}  // namespace sceval::experiment
