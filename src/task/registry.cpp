#include "task/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "common/error.h"
#include "common/file.h"

namespace fs = std::filesystem;

namespace sceval::task {

std::vector<std::string> task_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("SCEVAL_TASK_PATH")) {
    std::string s = env;
    std::size_t pos = 0;
    while (pos <= s.size()) {
      std::size_t next = s.find(':', pos);
      if (next == std::string::npos) next = s.size();
      if (next > pos) dirs.push_back(s.substr(pos, next - pos));
      pos = next + 1;
    }
  }
  dirs.emplace_back(SCEVAL_TASK_DIR);  // push_back of the temporary: a GCC 12 -Warray-bounds false positive
  return dirs;
}

std::vector<TaskEntry> list_tasks() {
  std::map<std::string, std::string> found;
  for (const auto& dir : task_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) found.emplace(p.stem().string(), p.string());
  }
  std::vector<TaskEntry> out;
  for (auto& [name, path] : found) out.push_back({name, path});
  return out;
}

std::string resolve_task_path(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  for (const auto& e : list_tasks())
    if (e.name == name_or_path) return e.path;
  // Not a task name, but the path exists: say what it is ("is a directory", "not a regular file").
  if (fs::exists(fs::symlink_status(name_or_path, ec))) require_regular_file(name_or_path, "task file");
  std::string dirs;
  for (const auto& d : task_dirs()) dirs += "\n  " + d;
  throw Error(
      fmt::format("unknown task '{}': no such file, and no {}.json in the task directories:{}\n"
                  "(`sceval tasks` lists the known tasks)",
                  name_or_path, name_or_path, dirs));
}

Task resolve_task(const std::string& name_or_path) { return load_task_file(resolve_task_path(name_or_path)); }

std::string find_in_task_dirs(const std::string& folder, const std::string& name, const std::string& ext) {
  for (const auto& dir : task_dirs()) {
    auto p = std::filesystem::path(dir) / folder / (name + "." + ext);
    std::error_code ec;  // a task folder that cannot be searched is passed over, as a missing file
    if (std::filesystem::exists(p, ec)) return p.string();
  }
  throw Error(fmt::format("no {}/{}.{} in the task directories ($SCEVAL_TASK_PATH, then the bundled tasks/)", folder,
                          name, ext));
}

}  // namespace sceval::task
