#include "common/file.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/error.h"
#include "common/exclusive.h"

namespace fs = std::filesystem;

namespace sceval {

void refuse_overwriting_inputs(const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty()) return;
  for (const auto& input : inputs) {
    if (input.empty()) continue;
    std::error_code ec;  // a missing file (or one that cannot be looked at) is not the same file
    if (std::filesystem::equivalent(output, input, ec) && !ec)
      throw Error(fmt::format("{}: is also an input of this command ({}); write the output elsewhere", output, input));
  }
}

void require_regular_file(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw Error(fmt::format("{}: no such {}", path, what));
    throw Error(fmt::format("{}: cannot open {}: {}", path, what, std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) throw Error(fmt::format("{}: is a directory, expected a {}", path, what));
  if (!S_ISREG(st.st_mode))
    throw Error(fmt::format("{}: not a regular file (a device, pipe or socket), expected a {}", path, what));
}

std::string read_file_text(const std::string& path, const std::string& what, std::size_t max_bytes) {
  require_regular_file(path, what);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(fmt::format("{}: cannot open {}: {}", path, what, std::strerror(errno)));
  std::string out;
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (out.size() + n > max_bytes) {
      std::fclose(f);
      throw Error(fmt::format("{}: {} is larger than {} MiB; not a sceval {}?", path, what, max_bytes >> 20, what));
    }
    out.append(buf, n);
  }
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw Error(fmt::format("{}: cannot read {}", path, what));
  return out;
}

fs::file_type path_type(const fs::path& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);  // not_found (known) for a missing path or parent
  if (!fs::status_known(st)) throw_fs_error(path, "access", ec);
  return st.type();
}

bool path_exists(const fs::path& path) { return path_type(path) != fs::file_type::not_found; }

void throw_fs_error(const fs::path& path, std::string_view action, const std::error_code& ec) {
  throw Error(fmt::format("{}: cannot {}: {}", path.string(), action, ec.message()));
}

void ensure_directory(const fs::path& dir, std::string_view what) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  // Name the part that blocks: an existing file at dir or at one of its parents.
  for (fs::path p = dir; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    std::error_code e2;
    auto st = fs::status(p, e2);
    if (fs::exists(st) && !fs::is_directory(st))
      throw Error(fmt::format("{}: cannot create {}: {} is a file, not a folder", dir.string(), what, p.string()));
    if (fs::is_directory(st)) break;
  }
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("{}: cannot create {}: {}", dir.string(), what, ec.message()));
}

fs::path output_path(const fs::path& root, std::string_view component) {
  const bool bad = component.empty() || component == "." || component == ".." ||
                   component.find_first_of("/\\") != std::string_view::npos ||
                   component.find('\0') != std::string_view::npos;
  if (bad)
    throw Error(
        fmt::format("\"{}\" cannot be used as a file or folder name under {} (it would leave that folder; "
                    "use letters, digits, '.', '_' and '-')",
                    component, root.string()));
  return root / fs::path(std::string(component));
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicWriter w(path);
  w.out().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  w.commit();
}

namespace {
// What path is now (following symlinks): a regular file or nothing is written through a temporary
// file; a directory is an error; a device, pipe or socket is written directly.
bool write_directly(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  if (S_ISDIR(st.st_mode)) throw Error(fmt::format("{}: cannot write: is a directory", path));
  return !S_ISREG(st.st_mode);
}
}  // namespace

AtomicWriter::AtomicWriter(std::string path) : path_(std::move(path)) {
  if (write_directly(path_)) {
    errno = 0;
    auto f = std::make_unique<std::ofstream>(path_, std::ios::binary | std::ios::trunc);
    if (!*f) throw Error(fmt::format("{}: cannot write: {}", path_, std::strerror(errno ? errno : EIO)));
    out_ = std::move(f);
    return;
  }
  const fs::path target(path_);
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(parent, ec))
    throw Error(fmt::format("{}: cannot write: folder {} does not exist", path_, parent.string()));
  tmp_ = create_temporary_file(parent, target.filename().string(), out_);
}

AtomicWriter::~AtomicWriter() {
  if (committed_) return;
  out_.reset();
  if (!tmp_.empty()) std::remove(tmp_.c_str());
}

void AtomicWriter::commit() {
  out_->flush();
  const bool ok = static_cast<bool>(*out_);
  const int err = errno;  // the first failed write's (streams keep none)
  out_.reset();           // closes the file
  if (!ok) {              // the destructor removes tmp_
    throw Error(fmt::format("{}: write failed: {}", path_, err ? std::strerror(err) : "disk full or device error"));
  }
  committed_ = true;
  if (tmp_.empty()) return;
  std::error_code ec;
  fs::rename(tmp_, path_, ec);  // replaces a link at path_ itself, never its target
  if (ec) {
    committed_ = false;
    std::remove(tmp_.c_str());
    throw Error(fmt::format("{}: cannot replace: {}", path_, ec.message()));
  }
}

LineReader::LineReader(std::string path, std::string what, std::size_t max_line)
    : path_(std::move(path)), what_(std::move(what)), max_line_(max_line) {
  require_regular_file(path_, what_);
  f_ = std::fopen(path_.c_str(), "rb");
  if (!f_) throw Error(fmt::format("{}: cannot open {}: {}", path_, what_, std::strerror(errno)));
}

LineReader::~LineReader() {
  if (f_) std::fclose(f_);
}

void LineReader::fill() {
  char chunk[1 << 16];
  const std::size_t n = std::fread(chunk, 1, sizeof chunk, f_);
  if (n == 0) {
    if (std::ferror(f_)) throw Error(fmt::format("{}: cannot read {}", path_, what_));
    eof_ = true;
  }
  buf_.append(chunk, n);
}

bool LineReader::next(std::string& line) {
  auto too_long = [&] {
    return Error(fmt::format("{}:{}: a line longer than {} MiB (not a {}?)", path_, line_ + 1, max_line_ >> 20, what_));
  };
  std::size_t scanned = pos_;  // bytes before this were searched for '\n' already
  std::size_t end = std::string::npos;
  while ((end = buf_.find('\n', scanned)) == std::string::npos && !eof_) {
    if (buf_.size() - pos_ > max_line_) throw too_long();
    buf_.erase(0, pos_);  // keep only the unfinished line
    pos_ = 0;
    scanned = buf_.size();
    fill();
  }
  if (end == std::string::npos) end = buf_.size();
  if (pos_ >= buf_.size() && eof_) return false;
  if (end - pos_ > max_line_) throw too_long();
  line.assign(buf_, pos_, end - pos_);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  pos_ = end + 1;
  ++line_;
  return true;
}

}  // namespace sceval
