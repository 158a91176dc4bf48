#include "experiment/output.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "common/error.h"

namespace sceval::experiment {

namespace fs = std::filesystem;

struct RunOutput::File {
  std::ofstream out;
  std::string path;
};

RunOutput::RunOutput(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw Error(fmt::format("{}: cannot create the run directory: {}", dir_, ec ? ec.message() : "a file is in the way"));
  // Incomplete until results.json is written again.
  fs::remove(fs::path(dir_) / "results.json", ec);
  if (ec) throw Error(fmt::format("{}/results.json: cannot remove the old results: {}", dir_, ec.message()));
  fs::remove(fs::path(dir_) / "samples.jsonl", ec);  // a new one is started by the first call logged
}

RunOutput::~RunOutput() = default;

void RunOutput::sample(const std::string& line) {
  samples_.push_back(line);
  if (dir_.empty()) return;
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
  if (!dir_.empty()) write_file_atomically((fs::path(dir_) / name).string(), text);
  files_[name] = std::move(text);
}

const std::string& RunOutput::text(const std::string& name) const {
  auto it = files_.find(name);
  if (it == files_.end()) throw Error(fmt::format("internal: the run wrote no {}", name));
  return it->second;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    if (!out) throw Error(fmt::format("{}: cannot open for writing", tmp));
    out << text;
    out.flush();
    if (!out) throw Error(fmt::format("{}: write failed", tmp));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw Error(fmt::format("{}: cannot replace: {}", path, ec.message()));
}

}  // namespace sceval::experiment
