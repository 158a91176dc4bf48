#pragma once
// Files that sceval creates in folders other people may write to (a shared output folder, a run
// directory on a cluster file system): every new file is created exclusively, without following a
// link planted at its name, so a write can never land outside the folder; and a folder one command
// writes is locked, so two commands cannot interleave their files.
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

namespace sceval {

// Creates `path` as a new regular file (O_CREAT | O_EXCL | O_NOFOLLOW) and returns a stream on it.
// An existing file, directory or link at that name is an error naming the path: callers remove
// what they replace first (unlink never follows a link), so nothing is ever written through one.
std::unique_ptr<std::ostream> create_new_file(const std::string& path);

// A unique new file in `dir`, named `.<stem>.XXXXXX` (mkostemp: exclusive, random): the temporary
// file of an atomic write. Returns its path; `out` receives the stream.
std::string create_temporary_file(const std::filesystem::path& dir, const std::string& stem,
                                  std::unique_ptr<std::ostream>& out);

// An exclusive advisory lock (flock) on `dir/.sceval.lock`, held while the object lives. A second
// command on the same folder fails at once with an Error naming the folder, instead of waiting or
// interleaving its files with ours. The lock file stays (removing it would let a third command lock
// a new file while a second still holds the old one) unless release_and_remove() is called.
class DirectoryLock {
 public:
  DirectoryLock(const std::filesystem::path& dir, const std::string& what = "run directory");
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  // For a folder that is about to be removed because nothing was written into it.
  void release_and_remove();
  static constexpr const char* kFileName = ".sceval.lock";

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace sceval
