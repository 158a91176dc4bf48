#include "report/geometry.h"

#include <cmath>
#include <cstdlib>
#include <deque>
#include <stdexcept>

#include "common/error.h"

namespace sceval::report {

// sceval::Error, not std::invalid_argument: the axes come from a run directory's decision_map.csv
// (fuzz_run_dir found a header-only map that ended in an uncaught std::invalid_argument).
Axes::Axes(std::vector<Axis> axes) : axes_(std::move(axes)), strides_(axes_.size()) {
  for (std::size_t k = axes_.size(); k-- > 0;) {
    if (axes_[k].values.empty()) throw Error("feature " + axes_[k].name + " has no values");
    strides_[k] = size_;
    if (__builtin_mul_overflow(size_, static_cast<std::int64_t>(axes_[k].values.size()), &size_))
      throw Error("the feature values span more than 2^63 grid points");
  }
}

Coords Axes::coords(std::int64_t index) const {
  Coords c(dims());
  for (std::size_t k = 0; k < dims(); ++k) c[k] = static_cast<int>(index / strides_[k] % axes_[k].values.size());
  return c;
}

std::int64_t Axes::index(const Coords& c) const {
  std::int64_t i = 0;
  for (std::size_t k = 0; k < dims(); ++k) i += c[k] * strides_[k];
  return i;
}

std::optional<int> Axes::level(std::size_t k, const std::string& value) const {
  const auto& v = axes_[k].values;
  for (std::size_t j = 0; j < v.size(); ++j)
    if (v[j] == value) return static_cast<int>(j);
  return std::nullopt;
}

namespace {

// Calls f(i, j, axis) for every pair of neighbours j = i + stride(axis).
template <class F>
void for_each_neighbour_pair(const Axes& ax, F f) {
  for (std::int64_t i = 0; i < ax.size(); ++i)
    for (std::size_t k = 0; k < ax.dims(); ++k)
      if (i / ax.stride(k) % static_cast<std::int64_t>(ax.axes()[k].values.size()) + 1 <
          static_cast<std::int64_t>(ax.axes()[k].values.size()))
        f(i, i + ax.stride(k), static_cast<int>(k));
}

// Steps from every point to the nearest point in `sources` (breadth-first; -1 = unreachable).
std::vector<int> grid_distance(const Axes& ax, const std::vector<char>& sources) {
  std::vector<int> d(ax.size(), -1);
  std::deque<std::int64_t> queue;
  for (std::int64_t i = 0; i < ax.size(); ++i)
    if (sources[i]) d[i] = 0, queue.push_back(i);
  while (!queue.empty()) {
    std::int64_t i = queue.front();
    queue.pop_front();
    for (std::size_t k = 0; k < ax.dims(); ++k) {
      const std::int64_t n = static_cast<std::int64_t>(ax.axes()[k].values.size()), level = i / ax.stride(k) % n;
      for (std::int64_t j : {level > 0 ? i - ax.stride(k) : -1, level + 1 < n ? i + ax.stride(k) : -1})
        if (j >= 0 && d[j] < 0) d[j] = d[i] + 1, queue.push_back(j);
    }
  }
  return d;
}

}  // namespace

std::vector<Edge> label_boundary(const Axes& ax, const std::vector<int>& labels) {
  std::vector<Edge> out;
  for_each_neighbour_pair(ax, [&](std::int64_t i, std::int64_t j, int k) {
    if (labels[i] >= 0 && labels[j] >= 0 && labels[i] != labels[j]) out.push_back({i, k});
  });
  return out;
}

std::vector<Edge> contour_edges(const Axes& ax, const std::vector<double>& p, double level) {
  std::vector<Edge> out;
  for_each_neighbour_pair(ax, [&](std::int64_t i, std::int64_t j, int k) {
    if (!std::isnan(p[i]) && !std::isnan(p[j]) && (p[i] >= level) != (p[j] >= level)) out.push_back({i, k});
  });
  return out;
}

BoundarySteps::BoundarySteps(const Axes& ax, const std::vector<int>& labels, int n_options) : labels_(labels) {
  for (int o = 0; o < n_options; ++o) {
    std::vector<char> is(ax.size()), not_(ax.size());
    for (std::int64_t i = 0; i < ax.size(); ++i) is[i] = labels[i] == o, not_[i] = labels[i] != o;
    to_target_.push_back(grid_distance(ax, is));
    to_other_.push_back(grid_distance(ax, not_));
  }
}

std::optional<int> BoundarySteps::steps(std::int64_t index, int target) const {
  if (target < 0 || target >= static_cast<int>(to_target_.size())) return std::nullopt;
  const bool inside = labels_[index] == target;
  int d = inside ? to_other_[target][index] : to_target_[target][index];
  if (d < 0) return std::nullopt;
  return inside ? d : -d;
}

std::vector<EditStats> edit_stats(const Axes& ax, const std::vector<Arrow>& arrows) {
  std::vector<EditStats> out(ax.dims());
  for (std::size_t k = 0; k < ax.dims(); ++k) out[k].feature = ax.axes()[k].name;
  for (const auto& a : arrows) {
    if (!a.to) continue;
    for (std::size_t k = 0; k < ax.dims(); ++k) {
      int size = std::abs((*a.to)[k] - a.from[k]);
      ++out[k].of;
      if (size == 0) continue;
      ++out[k].changed;
      ++out[k].sizes[size];
      out[k].mean_size += size;
    }
  }
  for (auto& e : out)
    if (e.changed) e.mean_size /= e.changed;
  return out;
}

StepSummary step_summary(const std::vector<Arrow>& arrows) {
  StepSummary s;
  for (const auto& a : arrows) {
    if (!a.to)
      ++s.no_end_point;
    else if (!a.steps)
      ++s.unreachable;
    else
      ++s.counts[*a.steps];
  }
  return s;
}

}  // namespace sceval::report
