#include "grid/distance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"

namespace sceval::grid {

using task::DistanceKind;
using task::FeatureType;

std::string_view to_string(Arithmetic a) { return a == Arithmetic::Paper ? "paper" : "exact"; }

std::optional<Arithmetic> arithmetic_from_string(std::string_view s) {
  if (s == "paper") return Arithmetic::Paper;
  if (s == "exact") return Arithmetic::Exact;
  return std::nullopt;
}

namespace {

std::vector<double> codes_of(const task::Feature& f) {
  std::vector<double> v(f.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(f.code(i));
  return v;
}

// numpy.median of the values (each occurs equally often in a full grid, which leaves it unchanged).
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool monotone(const std::vector<double>& c) {
  bool up = true, down = true;
  for (std::size_t i = 1; i < c.size(); ++i) {
    up = up && c[i] >= c[i - 1];
    down = down && c[i] <= c[i - 1];
  }
  return up || down;
}

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

}  // namespace

double axis_mad(const task::Feature& f) {
  auto v = codes_of(f);
  double med = median(v);
  for (auto& x : v) x = std::abs(x - med);
  return median(v);
}

double axis_sd(const task::Feature& f) {
  auto v = codes_of(f);
  // Sums of (half-)integers are exact, so this equals numpy.std over the full grid column.
  double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size()));
}

Distance::Distance(const Grid& grid, DistanceKind kind, Arithmetic arithmetic, std::vector<double> weights)
    : grid_(&grid), kind_(kind), arithmetic_(arithmetic) {
  const std::size_t d = grid.dims();
  if (weights.empty())
    for (std::size_t j = 0; j < d; ++j) weights.push_back(grid.feature(j).weight);
  if (weights.size() != d) throw Error(fmt::format("{} weights given for {} features", weights.size(), d));
  weights_ = weights;
  axes_.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    const auto& f = grid.feature(j);
    axes_[j].scale = kind == DistanceKind::Gower   ? static_cast<double>(f.type == FeatureType::Categorical ? 1 : 0)
                     : kind == DistanceKind::L1Mad ? axis_mad(f)
                                                   : axis_sd(f);
    if (kind == DistanceKind::Gower && f.numeric()) {
      auto c = codes_of(f);
      auto [lo, hi] = std::minmax_element(c.begin(), c.end());
      axes_[j].scale = *hi - *lo;
    }
  }
  // Paper's gower sums numeric columns in order, then adds the categorical mismatches.
  for (std::size_t j = 0; j < d; ++j)
    if (kind != DistanceKind::Gower || grid.feature(j).numeric()) order_.push_back(j);
  for (std::size_t j = 0; j < d; ++j)
    if (kind == DistanceKind::Gower && !grid.feature(j).numeric()) order_.push_back(j);

  if (arithmetic == Arithmetic::Paper)
    build_paper(weights);
  else
    build_exact(weights);
}

namespace {
void require_table(const task::Feature& f) {
  double n = static_cast<double>(f.size());
  require_memory(n * n * 8, fmt::format("the distance table of feature {} ({} values)", f.name, f.size()));
}
}  // namespace

void Distance::build_paper(const std::vector<double>& w) {
  const std::size_t d = grid_->dims();
  for (std::size_t j = 0; j < d; ++j) {
    const auto& f = grid_->feature(j);
    auto c = codes_of(f);
    const std::size_t n = c.size();
    Axis& ax = axes_[j];
    require_table(f);
    ax.table.assign(n * n, 0.0);
    if (kind_ == DistanceKind::Gower && f.numeric()) {
      // gower 0.1.2: max/min of the column as float32; q = min/max in float32; r = |1 - q| in float64.
      float mx = static_cast<float>(*std::max_element(c.begin(), c.end()));
      float mn = static_cast<float>(*std::min_element(c.begin(), c.end()));
      double M = mx;
      double r = mx != 0 ? std::abs(1.0 - static_cast<double>(mn / mx)) : 0.0;
      for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) {
          double za = M != 0 ? c[a] / M : 0.0, zb = M != 0 ? c[b] / M : 0.0;
          ax.table[a * n + b] = r != 0 ? w[j] * (std::abs(za - zb) / r) : 0.0;
        }
    } else if (kind_ == DistanceKind::Gower) {
      for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) ax.table[a * n + b] = a != b ? w[j] : 0.0;
    } else {
      // The notebook: |x - y| / MAD or (x - y)^2 / SD per column in float64, codes taken as numbers.
      for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) {
          double delta = c[a] - c[b];
          double t = kind_ == DistanceKind::L1Mad ? std::abs(delta) : delta * delta;
          ax.table[a * n + b] = ax.scale != 0 ? w[j] * (t / ax.scale) : 0.0;
        }
    }
  }
  double wsum = std::accumulate(w.begin(), w.end(), 0.0);
  divisor_ = kind_ == DistanceKind::Gower ? wsum : 1.0;
  to_float32_ = kind_ == DistanceKind::Gower;
}

void Distance::build_exact(const std::vector<double>& w) {
  const std::size_t d = grid_->dims();
  bool integer_weights = std::all_of(w.begin(), w.end(), [](double x) { return x == std::floor(x) && x < 1e6; });
  if (kind_ == DistanceKind::L2Std || !integer_weights) return build_float(w);
  // Each axis term is |delta code| * p_j / q_j (mismatch * p_j / q_j for categories); put all over
  // the common denominator Q so sums are exact integers.
  std::vector<std::int64_t> p(d), q(d);
  for (std::size_t j = 0; j < d; ++j) {
    const auto& f = grid_->feature(j);
    auto wj = static_cast<std::int64_t>(w[j]);
    if (kind_ == DistanceKind::Gower) {
      p[j] = wj;
      q[j] = f.numeric() ? std::max<std::int64_t>(1, std::llround(axes_[j].scale)) : 1;
      if (f.numeric() && axes_[j].scale == 0) p[j] = 0;
    } else {  // L1/MAD: MAD of integer codes is a multiple of 1/4
      auto mad4 = std::llround(axes_[j].scale * 4);
      p[j] = mad4 ? 4 * wj : 0;
      q[j] = mad4 ? mad4 : 1;
    }
    auto g = std::gcd(p[j], q[j]);
    if (g > 1) p[j] /= g, q[j] /= g;
  }
  std::int64_t Q = 1;
  for (std::size_t j = 0; j < d; ++j) {
    Q = std::lcm(Q, q[j]);
    if (Q > (std::int64_t{1} << 40)) return build_float(w);
  }
  double max_sum = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const auto& f = grid_->feature(j);
    auto c = codes_of(f);
    double unit = static_cast<double>(p[j]) * static_cast<double>(Q / q[j]);
    const std::size_t n = c.size();
    Axis& ax = axes_[j];
    if (f.type == FeatureType::Categorical) {
      ax.shape = AxisShape::Mismatch;
      ax.unit = unit;
      max_sum += unit;
    } else {
      ax.coord.resize(n);
      for (std::size_t a = 0; a < n; ++a) ax.coord[a] = c[a] * unit;
      auto [lo, hi] = std::minmax_element(ax.coord.begin(), ax.coord.end());
      max_sum += *hi - *lo;
      ax.shape = AxisShape::Linear;
      if (!monotone(ax.coord)) {  // levels whose codes go up and down: keep the pairwise table
        require_table(f);
        ax.table.assign(n * n, 0.0);
        for (std::size_t a = 0; a < n; ++a)
          for (std::size_t b = 0; b < n; ++b) ax.table[a * n + b] = std::abs(c[a] - c[b]) * unit;
        ax.shape = AxisShape::General;
      }
    }
    for (double x : ax.coord)
      if (std::abs(x) >= kMaxExactInteger) return build_float(w);
  }
  if (max_sum >= kMaxExactInteger) return build_float(w);
  double wsum = std::accumulate(w.begin(), w.end(), 0.0);
  divisor_ = static_cast<double>(Q) * (kind_ == DistanceKind::Gower ? wsum : 1.0);
  integral_ = true;
}

// Float64 terms (squared L2/SD, or non-integer weights): true ties only up to float64 rounding.
void Distance::build_float(const std::vector<double>& w) {
  const std::size_t d = grid_->dims();
  for (std::size_t j = 0; j < d; ++j) {
    const auto& f = grid_->feature(j);
    auto c = codes_of(f);
    const std::size_t n = c.size();
    Axis& ax = axes_[j];
    ax = Axis{{}, {}, 0, AxisShape::General, ax.scale};
    require_table(f);
    ax.table.assign(n * n, 0.0);
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) {
        double delta = f.type == FeatureType::Categorical ? (a != b) : c[a] - c[b];
        double t = kind_ == DistanceKind::L2Std ? delta * delta : std::abs(delta);
        ax.table[a * n + b] = ax.scale != 0 ? w[j] * (t / ax.scale) : 0.0;
      }
  }
  double wsum = std::accumulate(w.begin(), w.end(), 0.0);
  divisor_ = kind_ == DistanceKind::Gower ? wsum : 1.0;
  integral_ = false;
}

double Distance::finish(double sum) const {
  double d = sum / divisor_;
  return to_float32_ ? static_cast<double>(static_cast<float>(d)) : d;
}

double Distance::between(std::span<const std::size_t> x, std::span<const std::size_t> y) const {
  double sum = 0;
  for (std::size_t j : order_) sum += term(j, x[j], y[j]);
  return finish(sum);
}

double Distance::operator()(Index x, Index y) const {
  double sum = 0;
  for (std::size_t j : order_) sum += term(j, grid_->position(x, j), grid_->position(y, j));
  return finish(sum);
}

double Distance::between_values(std::span<const double> x, std::span<const double> y) const {
  double sum = 0, wsum = 0;
  for (std::size_t j : order_) {
    const auto& f = grid_->feature(j);
    const double scale = axes_[j].scale;
    double delta = f.type == FeatureType::Categorical ? (x[j] != y[j]) : x[j] - y[j];
    double t = kind_ == DistanceKind::L2Std ? delta * delta : std::abs(delta);
    if (kind_ == DistanceKind::Gower && f.type == FeatureType::Categorical)
      sum += weights_[j] * t;
    else if (scale != 0)
      sum += weights_[j] * (t / scale);
    wsum += weights_[j];
  }
  double d = kind_ == DistanceKind::Gower ? sum / wsum : sum;
  return to_float32_ ? static_cast<double>(static_cast<float>(d)) : d;
}

std::string Distance::name() const { return fmt::format("{}/{}", task::to_string(kind_), to_string(arithmetic_)); }

}  // namespace sceval::grid
