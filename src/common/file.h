#pragma once
// Files and paths, with every failure as a sceval::Error naming the path and the reason.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace sceval {

// Default size bound of read_file_text: task files, configs and results.json are kilobytes.
inline constexpr std::size_t kMaxTextFileBytes = std::size_t{256} << 20;

// Throws "<path>: <what> is a directory, expected a file" / "not a regular file (device, pipe...)"
// / "no such file" / "cannot open: <reason>". /dev/zero or a FIFO passed as input would otherwise
// be read without end.
void require_regular_file(const std::string& path, const std::string& what = "file");

// The whole file as bytes (a regular file of at most max_bytes); throws sceval::Error
// "<path>: cannot open <what>: <reason>" when unreadable.
std::string read_file_text(const std::string& path, const std::string& what = "file",
                           std::size_t max_bytes = kMaxTextFileBytes);

// A filesystem failure as a user-facing error: "<path>: cannot <action>: <reason>".
[[noreturn]] void throw_fs_error(const std::filesystem::path& path, std::string_view action, const std::error_code& ec);

// Creates `dir` and its parents. Errors name the path and why: it (or a parent) is a file,
// permission denied, read-only file system...
void ensure_directory(const std::filesystem::path& dir, std::string_view what = "output directory");

// root/component, refusing a component that would leave root: absolute, empty, ".", "..", or
// containing a '/' or '\\' (a task or model name used as a folder name). Throws naming both.
std::filesystem::path output_path(const std::filesystem::path& root, std::string_view component);

// Writes `bytes` to path.tmp.<pid> in the same folder, flushes, and renames it over `path`, so a
// reader never sees a half-written file and a failed write leaves the old file untouched.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace sceval
