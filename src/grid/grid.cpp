#include "grid/grid.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include <unistd.h>

#include "common/error.h"

namespace sceval::grid {

Grid::Grid(const task::Task& task) : task_(&task) {
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

void require_memory(double bytes, std::string_view what) {
  const double physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (physical > 0 && bytes > 0.9 * physical)
    throw Error(fmt::format("{} needs about {:.1f} GB, more than this machine's {:.1f} GB of memory", what, bytes / 1e9,
                            physical / 1e9));
}

void require_grid_memory(const Grid& g, double bytes_per_point, std::string_view what) {
  const double points = static_cast<double>(g.size());
  const double bytes = points * bytes_per_point;
  const double physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (physical > 0 && bytes > 0.9 * physical)
    throw Error(fmt::format("{} over the {} points of task {} needs about {:.1f} GB ({:.0f} bytes), more than this "
                            "machine's {:.1f} GB of memory; for grids this large use --decision-map lazy",
                            what, g.size(), g.task().name, bytes / 1e9, bytes, physical / 1e9));
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
  if (ec2 == std::errc() && p2 == s.data() + s.size() && std::isfinite(d) && d == std::floor(d) &&
      std::abs(d) < 9e15)
    return static_cast<std::int64_t>(d);
  return std::nullopt;
}

std::string accepted(const task::Feature& f) {
  if (f.kind == task::FeatureKind::Integer)
    return fmt::format("{}..{} in steps of {}", f.start, f.stop, f.step);
  std::string s;
  for (std::size_t i = 0; i < f.levels.size() && i < 6; ++i) s += (i ? ", \"" : "\"") + f.levels[i].text + "\"";
  if (f.levels.size() > 6) s += fmt::format(", … ({} levels)", f.levels.size());
  return s;
}

}  // namespace

std::size_t parse_value(const task::Feature& f, std::string_view text) {
  if (f.kind != task::FeatureKind::Integer) {
    if (auto p = f.position_of_text(text)) return *p;
  }
  if (auto v = integral_number(text)) {
    if (auto p = f.position_of_code(*v)) return *p;
  }
  throw Error(fmt::format("value \"{}\" is not on the grid of feature {} (accepts {})", text, f.name,
                          accepted(f)));
}

}  // namespace sceval::grid
