#pragma once
// Exact closest counterfactuals for every grid point in O(N * sum of axis costs): the distance is a
// sum of per-axis terms, so "nearest point with label L" is a separable min-plus transform, one pass
// per axis (docs/architecture.md). Each value carries the arg-min; comparisons are lexicographic on
// (sum of terms, index), so among equally close points the one with the lowest grid index wins —
// the first in the paper's file order, as the paper's argmin over its distance matrix picks.
// Exact integer sums make that rule exact. With float sums (paper mode, L2) a point is equally
// close when its reported distance is equal; grids up to kFloatTieScanLimit points get a scan
// that restores the lowest such index, larger ones may report another point at the same distance.
// NA points (label < 0) are never sources.
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "grid/distance.h"

namespace sceval::grid {

using Label = std::int32_t;
inline constexpr Label kNA = -1;
inline constexpr Index kNoIndex = std::numeric_limits<Index>::max();
inline constexpr Index kFloatTieScanLimit = 50000;

struct Nearest {
  double distance = std::numeric_limits<double>::infinity();  // finished (reported) distance
  Index index = kNoIndex;                                     // kNoIndex: no such point
  bool found() const { return index != kNoIndex; }
};

// For every point, the nearest point whose label is in `targets` (targets[label] true).
std::vector<Nearest> nearest_with_label(const Distance& dist, std::span<const Label> labels,
                                        const std::vector<bool>& targets);

// Nearest point of each label, for every point; built once per decision map.
class BoundaryDistances {
 public:
  BoundaryDistances(const Distance& dist, std::span<const Label> labels, int n_labels);

  // Nearest point labelled `target` (d_min for a requested complement).
  Nearest nearest(Index x, Label target) const { return by_label_.at(target)[x]; }
  // Nearest point whose (non-NA) label differs from `own` (own = kNA: any labelled point).
  Nearest nearest_other(Index x, Label own) const;
  int labels() const { return static_cast<int>(by_label_.size()); }

 private:
  std::vector<std::vector<Nearest>> by_label_;
};

// The O(N^2) reference used by tests and the benchmark's comparison: the lowest index among the
// sources at the smallest reported distance.
std::vector<Nearest> nearest_with_label_brute_force(const Distance& dist, std::span<const Label> labels,
                                                    const std::vector<bool>& targets);

}  // namespace sceval::grid
