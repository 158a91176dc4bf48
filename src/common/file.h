#pragma once
// Files and paths, with every failure as a sceval::Error naming the path and the reason.
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace sceval {

// Throws "<output>: is also an input of this command (<input>); write the output elsewhere" when
// output is the same file as one of inputs (the same path spelled differently, a symlink or a hard
// link to it). An output or input that does not exist, and an empty input, are never a match. Called
// before anything is written, so a command never replaces a file it reads (results already obtained are never lost).
void refuse_overwriting_inputs(const std::string& output, const std::vector<std::string>& inputs);

// Default size bound of read_file_text: task files, configs and results.json are kilobytes.
inline constexpr std::size_t kMaxTextFileBytes = std::size_t{256} << 20;

// Throws "<path>: <what> is a directory, expected a file" / "not a regular file (device, pipe...)"
// / "no such file" / "cannot open: <reason>". /dev/zero or a FIFO passed as input would otherwise
// be read without end.
void require_regular_file(const std::string& path, const std::string& what = "file");

// Default bound of one line of a JSONL file (cache exports, samples.jsonl), like csv's record bound:
// a file without line breaks fails at a known size instead of filling memory.
inline constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;

// The whole file as bytes (a regular file of at most max_bytes); throws sceval::Error
// "<path>: cannot open <what>: <reason>" when unreadable.
std::string read_file_text(const std::string& path, const std::string& what = "file",
                           std::size_t max_bytes = kMaxTextFileBytes);

// What is at path, following links (not_found when it or a parent is missing); throws "<path>:
// cannot access: <reason>" when that cannot be known (a symlink loop, permission denied), where
// std::filesystem would throw its own filesystem_error.
std::filesystem::file_type path_type(const std::filesystem::path& path);
// Whether path exists, by path_type.
bool path_exists(const std::filesystem::path& path);

// A filesystem failure as a user-facing error: "<path>: cannot <action>: <reason>".
[[noreturn]] void throw_fs_error(const std::filesystem::path& path, std::string_view action, const std::error_code& ec);

// Creates `dir` and its parents. Errors name the path and why: it (or a parent) is a file,
// permission denied, read-only file system...
void ensure_directory(const std::filesystem::path& dir, std::string_view what = "output directory");

// root/component, refusing a component that would leave root: absolute, empty, ".", "..", or
// containing a '/' or '\\' (a task or model name used as a folder name). Throws naming both.
std::filesystem::path output_path(const std::filesystem::path& root, std::string_view component);

// Writes `bytes` to a new temporary file in the same folder (created exclusively at a random name,
// so a link planted there is never followed), flushes, and renames it over `path`, so a reader never
// sees a half-written file and a failed write leaves the old file untouched. A path
// that is a device or pipe (`-o /dev/stdout`) is written directly: renaming over it would replace
// the device node. Every write error (disk full, /dev/full) is an Error naming the path.
void write_file_atomic(const std::string& path, std::string_view bytes);

// write_file_atomic for outputs written piece by piece (JSONL exports): opening fails like it does
// ("<path>: cannot write: folder X does not exist"); commit() renames the whole file into place.
// Destroyed without commit() (an error on the way), it removes the temporary file and leaves path
// as it was.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::string path);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  std::ostream& out() { return *out_; }
  const std::string& path() const { return path_; }
  void commit();

 private:
  std::string path_, tmp_;  // tmp_ empty: writing path_ directly (a device or pipe)
  std::unique_ptr<std::ostream> out_;
  bool committed_ = false;
};

// A regular text file read line by line in chunks (LF or CRLF). A line longer than max_line
// bytes is an error naming the file and line, so a file without line breaks (or a device, refused
// up front like a directory or FIFO) cannot fill memory.
class LineReader {
 public:
  LineReader(std::string path, std::string what = "file", std::size_t max_line = kMaxLineBytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  // The next line, without its line end; false at the end of the file.
  bool next(std::string& line);
  std::size_t line_number() const { return line_; }  // of the line last returned, from 1
  const std::string& path() const { return path_; }

 private:
  void fill();
  std::string path_, what_;
  std::size_t max_line_;
  std::FILE* f_ = nullptr;
  std::string buf_;
  std::size_t pos_ = 0, line_ = 0;
  bool eof_ = false;
};

}  // namespace sceval
