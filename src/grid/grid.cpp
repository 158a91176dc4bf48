#include "grid/grid.h"

#include <fmt/format.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "common/error.h"

namespace sceval::grid {

Grid::Grid(const task::Task& task) : task_(&task) {
  // A text task has items, not a grid: the commands that need a grid say so instead of using a
  // featureless one-point grid.
  if (task.text_input)
    throw Error(fmt::format("task {} is a text task (docs/text.md): this needs a grid task", task.name));
  const std::size_t d = task.features.size();
  radix_.resize(d);
  stride_.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    radix_[j] = task.features[j].size();
    if (radix_[j] == 0) throw Error(fmt::format("task {}: feature {} has no values", task.name, task.features[j].name));
  }
  for (std::size_t j = d; j-- > 0;) {
    stride_[j] = size_;
    if (size_ > std::numeric_limits<Index>::max() / radix_[j])
      throw Error(fmt::format("task {}: the grid has more than 2^64 points; it cannot be enumerated", task.name));
    size_ *= radix_[j];
  }
}

Record Grid::record(Index i) const {
  Record r(dims());
  record(i, r);
  return r;
}

void Grid::record(Index i, std::span<std::size_t> out) const {
  for (std::size_t j = 0; j < dims(); ++j) out[j] = position(i, j);
}

Index Grid::index(std::span<const std::size_t> rec) const {
  Index i = 0;
  for (std::size_t j = 0; j < dims(); ++j) i += rec[j] * stride_[j];
  return i;
}

std::string Grid::value_text(Index i, std::size_t j) const { return feature(j).text(position(i, j)); }

namespace {

double number_in_file(const std::filesystem::path& p) {  // 0 when absent, "max" or unreadable
  std::ifstream in(p);
  double v = 0;
  return in >> v ? v : 0;
}

double room_under(int resource, double in_use) {  // 0: unlimited
  rlimit r{};
  if (getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 0;
  return std::max(static_cast<double>(r.rlim_cur) - in_use, 1.0);
}

// The tightest of the limits and its text for messages ("this machine's 25.3 GB of memory"); 0: none.
std::pair<double, std::string> tightest(const MemoryLimits& l) {
  std::pair<double, std::string> best{0, ""};
  auto consider = [&](double bytes, std::string text) {
    if (bytes > 0 && (best.first == 0 || bytes < best.first)) best = {bytes, std::move(text)};
  };
  consider(l.physical, fmt::format("this machine's {:.1f} GB of memory", l.physical / 1e9));
  consider(l.address_space,
           fmt::format("the {:.2f} GB of address space left under `ulimit -v`", l.address_space / 1e9));
  consider(l.data, fmt::format("the {:.2f} GB left under the data limit (`ulimit -d`)", l.data / 1e9));
  consider(l.cgroup, fmt::format("the {:.1f} GB memory limit of this process's cgroup", l.cgroup / 1e9));
  return best;
}

}  // namespace

double cgroup_memory_limit(std::string_view proc_self_cgroup, const std::string& root) {
  double limit = 0;
  auto take = [&](double v) {
    if (v > 0 && v < 0x1p60 && (limit == 0 || v < limit)) limit = v;  // v1 writes "no limit" as ~2^63
  };
  std::istringstream lines{std::string(proc_self_cgroup)};
  for (std::string line; std::getline(lines, line);) {  // "ID:controllers:/path"
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);  // "cpu,memory"
    const bool v2 = controllers.empty(), v1 = controllers == "memory" || controllers.starts_with("memory,") ||
                                              controllers.ends_with(",memory") ||
                                              controllers.find(",memory,") != std::string_view::npos;
    if (!v2 && !v1) continue;
    const std::filesystem::path base = v2 ? std::filesystem::path(root) : std::filesystem::path(root) / "memory";
    for (std::filesystem::path p = std::filesystem::path(line.substr(b + 1)).relative_path();; p = p.parent_path()) {
      take(number_in_file(base / p / (v2 ? "memory.max" : "memory.limit_in_bytes")));
      if (p.empty()) break;
    }
  }
  return limit;
}

MemoryLimits memory_limits() {
  MemoryLimits l;
  l.physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  double size = 0, resident = 0, shared = 0, text = 0, lib = 0, data = 0;  // pages (proc(5) statm)
  std::ifstream("/proc/self/statm") >> size >> resident >> shared >> text >> lib >> data;
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  l.address_space = room_under(RLIMIT_AS, size * page);
  l.data = room_under(RLIMIT_DATA, data * page);
  std::ifstream in("/proc/self/cgroup");
  l.cgroup = cgroup_memory_limit(std::string(std::istreambuf_iterator<char>(in), {}));
  return l;
}

void require_memory(double bytes, std::string_view what, const MemoryLimits& limits) {
  const auto [limit, text] = tightest(limits);
  if (limit > 0 && bytes > 0.9 * limit)
    throw Error(fmt::format("{} needs about {:.1f} GB, more than {}", what, bytes / 1e9, text));
}

void require_grid_memory(const Grid& g, double bytes_per_point, std::string_view what, const MemoryLimits& limits) {
  const double bytes = static_cast<double>(g.size()) * bytes_per_point;
  const auto [limit, text] = tightest(limits);
  if (limit > 0 && bytes > 0.9 * limit)
    throw Error(
        fmt::format("{} over the {} points of task {} needs about {:.1f} GB ({:.0f} bytes), more than {}; "
                    "grids this large can only be audited without a full decision map, by "
                    "`sceval run --decision-map lazy` (docs/lazy.md)",
                    what, g.size(), g.task().name, bytes / 1e9, bytes, text));
}

namespace {

std::optional<std::int64_t> integral_number(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && p == s.data() + s.size()) return v;
  double d = 0;
  auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 == std::errc() && p2 == s.data() + s.size() && std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e15)
    return static_cast<std::int64_t>(d);
  return std::nullopt;
}

std::string accepted(const task::Feature& f) {
  if (f.type == task::FeatureType::Integer) return fmt::format("{}..{} in steps of {}", f.start, f.stop, f.step);
  std::string s;
  for (std::size_t i = 0; i < f.levels.size() && i < 6; ++i) s += (i ? ", \"" : "\"") + f.levels[i].text + "\"";
  if (f.levels.size() > 6) s += fmt::format(", … ({} levels)", f.levels.size());
  return s;
}

}  // namespace

std::size_t parse_value(const task::Feature& f, std::string_view text) {
  if (f.type != task::FeatureType::Integer) {
    if (auto p = f.position_of_text(text)) return *p;
  }
  if (auto v = integral_number(text)) {
    if (auto p = f.position_of_code(*v)) return *p;
  }
  throw Error(fmt::format("value \"{}\" is not on the grid of feature {} (accepts {})", text, f.name, accepted(f)));
}

}  // namespace sceval::grid
