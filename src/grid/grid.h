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

// What bounds this process's memory, in bytes (0: no such bound): the machine's RAM, the room left
// under `ulimit -v` (RLIMIT_AS) and `ulimit -d` (RLIMIT_DATA) beside what the process maps already,
// and its cgroup's limit (Docker, Slurm, systemd). Exceeding the smallest ends in std::bad_alloc
// or the OOM killer, so the checks below compare with the smallest.
struct MemoryLimits {
  double physical = 0, address_space = 0, data = 0, cgroup = 0;
};
MemoryLimits memory_limits();  // of this process, now
// The memory limit of the cgroup named in `proc_self_cgroup` (the text of /proc/self/cgroup) or of
// an ancestor, under `root`: cgroup v2 memory.max ("max": none) or v1 memory.limit_in_bytes. 0: none.
double cgroup_memory_limit(std::string_view proc_self_cgroup, const std::string& root = "/sys/fs/cgroup");

// Throws sceval::Error (naming `what`, the bytes and the limit that is too small) if `bytes` do not
// fit in `limits`.
void require_memory(double bytes, std::string_view what, const MemoryLimits& limits = memory_limits());
// The same for a structure of `bytes_per_point` per grid point; the message gives the number of
// points, the bytes needed and the way out for huge grids (`sceval run --decision-map lazy`, which
// needs no full decision map; right for every command, as all of them need one otherwise).
void require_grid_memory(const Grid& g, double bytes_per_point, std::string_view what,
                         const MemoryLimits& limits = memory_limits());

// Position of a CSV/text value on feature f's axis: for integer features a number ("45", "45.0");
// for levels the exact level text, or an integer code. Throws sceval::Error naming the value and
// what the axis accepts when it is off the grid.
std::size_t parse_value(const task::Feature& f, std::string_view text);

}  // namespace sceval::grid
