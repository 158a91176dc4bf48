#pragma once
// The input grid: every combination of a task's feature values, indexed mixed-radix with the
// first feature slowest (the paper's row order).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "task/task.h"

namespace sceval::grid {

using Index = std::uint64_t;
using Record = std::vector<std::size_t>;  // position of each feature's value on its axis

class Grid {
 public:
  // Throws sceval::Error if the grid has no points or its size overflows 64 bits.
  explicit Grid(const task::Task& task);

  Index size() const { return size_; }
  std::size_t dims() const { return radix_.size(); }
  std::size_t radix(std::size_t j) const { return radix_[j]; }
  Index stride(std::size_t j) const { return stride_[j]; }
  const task::Task& task() const { return *task_; }
  const task::Feature& feature(std::size_t j) const { return task_->features[j]; }

  Record record(Index i) const;
  void record(Index i, std::span<std::size_t> out) const;
  Index index(std::span<const std::size_t> rec) const;
  std::size_t position(Index i, std::size_t j) const { return (i / stride_[j]) % radix_[j]; }

  // CSV/text value of feature j at grid point i (number for integer features, else level text).
  std::string value_text(Index i, std::size_t j) const;

 private:
  const task::Task* task_;
  std::vector<std::size_t> radix_;
  std::vector<Index> stride_;
  Index size_ = 1;
};

// Throws sceval::Error (naming `what` and the sizes) if `bytes` exceed this machine's physical memory.
void require_memory(double bytes, std::string_view what);
// The same for a structure of `bytes_per_point` per grid point; the message gives the number of
// points, the bytes needed and the way out for huge grids (`--decision-map lazy`).
void require_grid_memory(const Grid& g, double bytes_per_point, std::string_view what);

// Position of a CSV/text value on feature f's axis: for integer features a number ("45", "45.0");
// for levels the exact level text, or an integer code. Throws sceval::Error naming the value and
// what the axis accepts when it is off the grid.
std::size_t parse_value(const task::Feature& f, std::string_view text);

}  // namespace sceval::grid
