#pragma once
// Grid points in increasing distance from an origin, without materialising the grid (lazy decision
// maps, docs/lazy.md). The distance is a sum of per-axis terms, so the points nearest the origin are
// the k smallest sums over the axes' term lists: sort each axis's positions by their term, then a
// best-first search over rank vectors (each vector reached once: increase the ranks axis by axis,
// never going back to an earlier axis). A child's sum is never below its parent's (float addition is
// monotone too), so when the smallest sum in the queue exceeds a shell's, that shell is complete: it
// is emitted sorted by grid index. Points therefore come out in (distance, index) order: the first
// point of a label met is the one the full-map scorer's nearest-point transform picks.
//
// Sums are formed exactly as Distance forms them (terms added in Distance::order()); points are
// equally far when their sums are equal (integral arithmetic: exact) or, with float sums, when the
// reported distances are equal (the full-map scorer's tie rule for grids it scans).
// State: the sorted axes (sum of the radices) plus the frontier, about (dims + 3) words per queued
// rank vector; the frontier grows by at most dims - 1 per emitted point.
#include <cstdint>
#include <queue>
#include <span>
#include <vector>

#include "grid/distance.h"

namespace sceval::grid {

struct PointAtDistance {
  Index index = 0;
  double distance = 0;  // the reported distance (Distance::finish of the sum)
};

class PointsByDistance {
 public:
  // From grid point `origin`.
  PointsByDistance(const Distance& dist, Index origin);
  // From arbitrary feature codes (an off-grid SCE), with Distance::between_values' definition.
  PointsByDistance(const Distance& dist, std::span<const double> codes);

  // The next point in (distance, index) order; false when the grid is exhausted.
  bool next(PointAtDistance& out);
  std::uint64_t emitted() const { return emitted_; }
  // Frontier size (queued rank vectors) and the buffered rest of the current shell: the state.
  std::size_t frontier() const { return heap_.size(); }
  std::size_t state_bytes() const;

 private:
  struct Axis {
    std::vector<std::uint32_t> position;  // positions sorted by term (then position)
    std::vector<double> term;             // term at each rank
  };
  struct Node {
    double key;  // the sum (integral) or the reported distance (float sums)
    double sum;
    Index index;
    std::uint32_t slot;   // rank vector in ranks_
    std::uint32_t pivot;  // lowest axis this node may still increase
  };
  struct Later {
    bool operator()(const Node& a, const Node& b) const {
      return a.key > b.key || (a.key == b.key && a.index > b.index);
    }
  };

  void init(std::vector<std::vector<double>> terms);
  void push(const std::vector<std::uint32_t>& ranks, std::uint32_t pivot);
  double finish(double sum) const;
  double sum_of(const std::uint32_t* ranks) const;
  Index index_of(const std::uint32_t* ranks) const;
  void fill_shell();

  const Distance* dist_;
  std::vector<Axis> sorted_;          // per grid axis
  std::vector<std::uint32_t> ranks_;  // rank vectors, axes_.size() per slot
  std::vector<std::uint32_t> free_;   // slots of popped nodes
  std::priority_queue<Node, std::vector<Node>, Later> heap_;
  std::vector<PointAtDistance> shell_;  // the current shell, by descending index (pop from back)
  std::vector<std::uint32_t> scratch_;
  std::uint64_t emitted_ = 0;
  bool integral_ = false;     // keys are exact integer sums
  bool values_mode_ = false;  // origin given as codes: between_values' finish
  double values_divisor_ = 1;
};

}  // namespace sceval::grid
