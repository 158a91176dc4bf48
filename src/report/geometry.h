#pragma once
// The grid as the report sees it: feature axes read back from a run's decision_map.csv, and the
// geometry the page draws from (cells, boundary edges, SCE arrows, steps to the boundary, edits).
// Coordinates are level positions per feature (0 = first value in the task's order).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sceval::report {

using Coords = std::vector<int>;

struct Axis {
  std::string name;
  std::vector<std::string> values;  // in grid order
};

// Mixed radix, first feature slowest (the grid index of README "Grid index").
class Axes {
 public:
  explicit Axes(std::vector<Axis> axes);
  const std::vector<Axis>& axes() const { return axes_; }
  std::size_t dims() const { return axes_.size(); }
  std::int64_t size() const { return size_; }
  Coords coords(std::int64_t index) const;
  std::int64_t index(const Coords& c) const;
  std::int64_t stride(std::size_t k) const { return strides_[k]; }
  std::optional<int> level(std::size_t k, const std::string& value) const;  // value text -> position

 private:
  std::vector<Axis> axes_;
  std::vector<std::int64_t> strides_;
  std::int64_t size_ = 1;
};

// Labels as in the decision map: option position, or these.
inline constexpr int kNA = -1;
inline constexpr int kOffLabel = -2;

// An edge between neighbouring points i and i + stride(axis) that lie on different sides.
struct Edge {
  std::int64_t index;
  int axis;
  bool operator==(const Edge&) const = default;
};
// Edges between points labelled with two different options (NA and off-label points have no
// boundary: the page shows them by colour).
std::vector<Edge> label_boundary(const Axes& ax, const std::vector<int>& labels);
// The 0.5 contour of one option's probability: edges where p >= 0.5 on one side only (NaN: none).
std::vector<Edge> contour_edges(const Axes& ax, const std::vector<double>& p, double level = 0.5);

// Signed grid steps from a point to the boundary of `target`'s region, moving one level of one
// feature per step: if the point's label is `target`, +n where n = steps to the nearest point of
// another label (+1 = just past the boundary); otherwise -n, n = steps to the nearest point labelled
// `target` (-1 = one step short). nullopt when no such point exists.
class BoundarySteps {
 public:
  BoundarySteps(const Axes& ax, const std::vector<int>& labels, int n_options);
  std::optional<int> steps(std::int64_t index, int target) const;

 private:
  std::vector<int> labels_;
  std::vector<std::vector<int>> to_target_, to_other_;  // per option; -1 = unreachable
};

// One SCE of sces.csv as a move on the grid.
struct Arrow {
  std::int64_t index;  // original point
  int target = -1;     // option position of the requested label (-1: unknown text)
  Coords from;
  std::optional<Coords> to;  // nullopt: unparsed or off-grid SCE
  std::optional<Coords> closest;
  std::optional<int> steps;  // BoundarySteps at `to`
};

struct EditStats {
  std::string feature;
  int changed = 0, of = 0;   // SCEs with an end point that change this feature / all of them
  double mean_size = 0;      // mean |level change| among those that change it
  std::map<int, int> sizes;  // |level change| -> count
};
std::vector<EditStats> edit_stats(const Axes& ax, const std::vector<Arrow>& arrows);

struct StepSummary {
  std::map<int, int> counts;  // signed steps -> SCEs
  int no_end_point = 0, unreachable = 0;
};
StepSummary step_summary(const std::vector<Arrow>& arrows);

}  // namespace sceval::report
