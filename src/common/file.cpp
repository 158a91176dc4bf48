#include "common/file.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/error.h"

namespace fs = std::filesystem;

namespace sceval {

void require_regular_file(const std::string& path, const std::string& what) {
  struct stat st{};
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
    throw Error(fmt::format("\"{}\" cannot be used as a file or folder name under {} (it would leave that folder; "
                            "use letters, digits, '.', '_' and '-')",
                            component, root.string()));
  return root / fs::path(std::string(component));
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      const int err = errno;
      const fs::path parent = fs::path(path).parent_path();
      std::error_code ec;
      if (!parent.empty() && !fs::is_directory(parent, ec))
        throw Error(fmt::format("{}: cannot write: folder {} does not exist", path, parent.string()));
      throw Error(fmt::format("{}: cannot write: {}", path, std::strerror(err ? err : EIO)));
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw Error(fmt::format("{}: write failed (disk full?)", path));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error(fmt::format("{}: cannot replace: {}", path, ec.message()));
  }
}

}  // namespace sceval
