#pragma once
// Where a run's files go: a run directory, written as the run goes, and memory (for the library's
// callers, e.g. Python with no output folder). The directory is marked incomplete before the first
// write (an old results.json is removed), each whole file is replaced atomically (temp + rename),
// and samples.jsonl grows a line per model call — so a killed or failed re-run never leaves a
// results.json beside files of another run.
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sceval::experiment {

class RunOutput {
 public:
  // dir empty: memory only.
  explicit RunOutput(std::string dir = "");
  ~RunOutput();
  RunOutput(const RunOutput&) = delete;
  RunOutput& operator=(const RunOutput&) = delete;

  const std::string& dir() const { return dir_; }
  void sample(const std::string& line);                  // one samples.jsonl line
  void put(const std::string& name, std::string text);  // a whole file, e.g. "results.json"
  const std::string& text(const std::string& name) const;  // throws if not put
  bool has(const std::string& name) const { return files_.contains(name); }
  const std::vector<std::string>& samples() const { return samples_; }

 private:
  std::string dir_;
  std::map<std::string, std::string> files_;
  std::vector<std::string> samples_;
  struct File;
  std::unique_ptr<File> samples_file_;
};

}  // namespace sceval::experiment
