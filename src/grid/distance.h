#pragma once
// Distances between grid points: Gower, L1/MAD and squared-L2/SD, each a sum of per-feature terms,
// in two arithmetic modes:
//  - paper: bit for bit what the paper's code computed (gower 0.1.2 under numpy 1.x: float64 terms
//    from float32 maxima, summed in column order, stored as float32; L1/L2 in float64). See
//    docs/paper-code.md.
//  - exact: sceval's own. Gower and L1/MAD are rationals: terms are held as integers over a common
//    denominator, so equal distances compare equal ("exactly minimal" means what it says).
//    Squared-L2/SD has irrational scales and uses float64.
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "grid/grid.h"
#include "task/task.h"

namespace sceval::grid {

enum class Arithmetic { Paper, Exact };
std::string_view to_string(Arithmetic a);
std::optional<Arithmetic> arithmetic_from_string(std::string_view s);

// How an axis term depends on the two positions; the closest-counterfactual transform uses it to
// pick an O(n) scan instead of the O(n^2) line scan.
enum class AxisShape {
  Linear,    // term(a, b) == |coord[a] - coord[b]| exactly, coord monotone along the axis
  Mismatch,  // term(a, b) == (a != b) * unit
  General,   // anything else: use the table
};

class Distance {
 public:
  // `weights` empty = the task's feature weights.
  Distance(const Grid& grid, task::DistanceKind kind, Arithmetic arithmetic, std::vector<double> weights = {});

  const Grid& grid() const { return *grid_; }
  task::DistanceKind kind() const { return kind_; }
  Arithmetic arithmetic() const { return arithmetic_; }

  // Term of axis j between positions a and b, in the units of sums (see finish()).
  double term(std::size_t j, std::size_t a, std::size_t b) const {
    const Axis& ax = axes_[j];
    switch (ax.shape) {
      case AxisShape::Linear:
        return std::abs(ax.coord[a] - ax.coord[b]);
      case AxisShape::Mismatch:
        return a != b ? ax.unit : 0.0;
      default:
        return ax.table[a * grid_->radix(j) + b];
    }
  }
  AxisShape shape(std::size_t j) const { return axes_[j].shape; }
  const std::vector<double>& coords(std::size_t j) const { return axes_[j].coord; }
  double unit(std::size_t j) const { return axes_[j].unit; }
  // The order in which terms are added (the paper's column order, categorical terms last for Gower).
  const std::vector<std::size_t>& order() const { return order_; }
  // Sum of terms (added in order()) -> the reported distance.
  double finish(double sum) const;
  // True when sums of terms are exact integers (exact mode, Gower and L1/MAD).
  bool integral() const { return integral_; }

  double operator()(Index x, Index y) const;
  double between(std::span<const std::size_t> x, std::span<const std::size_t> y) const;
  // Distance between arbitrary feature values (numeric codes), e.g. an off-grid SCE: the same
  // definition evaluated in float64 (categorical values compare equal or not).
  double between_values(std::span<const double> x, std::span<const double> y) const;

  // The per-feature scale over the grid: range (Gower), MAD (L1) or SD (L2).
  double scale(std::size_t j) const { return axes_[j].scale; }
  const std::vector<double>& weights() const { return weights_; }
  std::string name() const;  // e.g. "gower/exact"

 private:
  struct Axis {
    std::vector<double> table;  // radix x radix, General only
    std::vector<double> coord;  // Linear only
    double unit = 0;            // Mismatch only
    AxisShape shape = AxisShape::General;
    double scale = 0;
  };
  void build_paper(const std::vector<double>& w);
  void build_exact(const std::vector<double>& w);
  void build_float(const std::vector<double>& w);

  const Grid* grid_;
  task::DistanceKind kind_;
  Arithmetic arithmetic_;
  std::vector<Axis> axes_;
  std::vector<std::size_t> order_;
  std::vector<double> weights_;
  double divisor_ = 1;  // finish(): sum / divisor_
  bool to_float32_ = false;
  bool integral_ = false;
};

// Grid statistics of one axis (every value occurs equally often in a full grid).
double axis_mad(const task::Feature& f);  // median absolute deviation of the codes
double axis_sd(const task::Feature& f);   // population standard deviation of the codes

}  // namespace sceval::grid
