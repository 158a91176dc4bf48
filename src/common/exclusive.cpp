#include "common/exclusive.h"

#include <ext/stdio_filebuf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/error.h"

namespace fs = std::filesystem;

namespace sceval {

namespace {

// A std::ostream that owns the file descriptor it writes to (libstdc++'s stdio_filebuf closes it).
class FdStream : public std::ostream {
 public:
  explicit FdStream(int fd) : std::ostream(nullptr), buf_(fd, std::ios::out | std::ios::binary) { rdbuf(&buf_); }

 private:
  __gnu_cxx::stdio_filebuf<char> buf_;
};

[[noreturn]] void cannot_create(const std::string& path, int err) {
  if (err == EEXIST || err == ELOOP)
    throw Error(
        fmt::format("{}: cannot create: something is already at this name (a file, folder or link); "
                    "sceval never writes through it",
                    path));
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (err == ENOENT && !parent.empty() && !fs::is_directory(parent, ec))
    throw Error(fmt::format("{}: cannot write: folder {} does not exist", path, parent.string()));
  throw Error(fmt::format("{}: cannot create: {}", path, std::strerror(err)));
}

}  // namespace

std::unique_ptr<std::ostream> create_new_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) cannot_create(path, errno);
  return std::make_unique<FdStream>(fd);
}

std::string create_temporary_file(const fs::path& dir, const std::string& stem, std::unique_ptr<std::ostream>& out) {
  const std::string templ = (dir / fmt::format(".{}.XXXXXX", stem)).string();
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) cannot_create(templ, errno);
  ::fchmod(fd, 0644);  // mkostemp makes 0600; outputs are as readable as any other file written
  out = std::make_unique<FdStream>(fd);
  return std::string(name.data());
}

DirectoryLock::DirectoryLock(const fs::path& dir, const std::string& what) : path_(dir / kFileName) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(fmt::format("{}: cannot open the {}'s lock: {}", path_.string(), what, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  const int err = errno;
  ::close(fd_);
  fd_ = -1;
  if (err == EWOULDBLOCK)
    throw Error(
        fmt::format("{}: another sceval command is writing this {} now; wait for it to end, or write "
                    "elsewhere (-o)",
                    dir.string(), what));
  throw Error(fmt::format("{}: cannot lock the {}: {}", path_.string(), what, std::strerror(err)));
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

void DirectoryLock::release_and_remove() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still held: no one else can have locked this file meanwhile
  ::close(fd_);
  fd_ = -1;
}

}  // namespace sceval
