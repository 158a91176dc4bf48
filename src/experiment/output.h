#pragma once
// Where a run's files go: a run directory, written as the run goes, and memory (for the library's
// callers, e.g. Python with no output folder). The directory is marked incomplete before the first
// write (an old results.json is removed), each whole file is replaced atomically (temp + rename),
// and samples.jsonl grows a line per model call — so a killed or failed re-run never leaves a
// results.json beside files of another run. A run that fails before its first answer leaves no
// folder it made itself behind (NewFolders).
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
  std::unique_ptr<NewFolders> made_;  // kept from the first sample or file on
};

}  // namespace sceval::experiment
