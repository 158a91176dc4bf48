#include "grid/closest.h"

#include <cmath>

#include <fmt/format.h>

namespace sceval::grid {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

inline bool less(double a, Index ia, double b, Index ib) { return a < b || (a == b && ia < ib); }

// One line of the transform: f/id hold (sum, source) along an axis; replace each with the best
// (f[k] + term(i, k), id[k]) over k.
void transform_line(const Distance& dist, std::size_t j, std::vector<double>& f, std::vector<Index>& id,
                    std::vector<double>& f2, std::vector<Index>& id2) {
  const std::size_t n = f.size();
  switch (dist.shape(j)) {
    case AxisShape::Linear: {
      const auto& c = dist.coords(j);
      for (std::size_t i = 1; i < n; ++i) {
        double cand = f[i - 1] + std::abs(c[i] - c[i - 1]);
        if (less(cand, id[i - 1], f[i], id[i])) f[i] = cand, id[i] = id[i - 1];
      }
      for (std::size_t i = n - 1; i-- > 0;) {
        double cand = f[i + 1] + std::abs(c[i + 1] - c[i]);
        if (less(cand, id[i + 1], f[i], id[i])) f[i] = cand, id[i] = id[i + 1];
      }
      return;
    }
    case AxisShape::Mismatch: {
      std::size_t best = 0, second = n;
      for (std::size_t i = 1; i < n; ++i)
        if (less(f[i], id[i], f[best], id[best])) best = i;
      for (std::size_t i = 0; i < n; ++i)
        if (i != best && (second == n || less(f[i], id[i], f[second], id[second]))) second = i;
      const double u = dist.unit(j);
      f2 = f, id2 = id;
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t k = i == best ? second : best;
        if (k == n) continue;
        double cand = f2[k] + u;
        if (less(cand, id2[k], f[i], id[i])) f[i] = cand, id[i] = id2[k];
      }
      return;
    }
    case AxisShape::General: {
      f2 = f, id2 = id;
      for (std::size_t i = 0; i < n; ++i) {
        double bf = kInf;
        Index bi = kNoIndex;
        for (std::size_t k = 0; k < n; ++k) {
          double cand = f2[k] + dist.term(j, i, k);
          if (less(cand, id2[k], bf, bi)) bf = cand, bi = id2[k];
        }
        f[i] = bf, id[i] = bi;
      }
      return;
    }
  }
}

// With float sums, rounding can make two sources' distances equal only after a later term is
// added (or after the float32 cast of paper mode), when the transform has already kept one of
// them. The paper's argmin takes the first row at the minimal stored value: find it by a scan in
// index order that stops at the first source at exactly that distance.
void lowest_index_at_distance(const Distance& dist, std::span<const Label> labels, const std::vector<bool>& targets,
                              std::vector<Nearest>& out) {
  const Grid& g = dist.grid();
  const Index N = g.size();
  const std::size_t d = g.dims();
  const auto& order = dist.order();
  std::vector<Index> sources;
  std::vector<std::size_t> pos;  // sources' records, row-major: the scan's hot loop reads these
  for (Index i = 0; i < N; ++i)
    if (labels[i] >= 0 && static_cast<std::size_t>(labels[i]) < targets.size() && targets[labels[i]]) {
      sources.push_back(i);
      for (std::size_t j = 0; j < d; ++j) pos.push_back(g.position(i, j));
    }
  std::vector<std::size_t> x(d);
  for (Index i = 0; i < N; ++i) {
    if (!out[i].found()) continue;
    g.record(i, x);
    for (std::size_t k = 0; k < sources.size() && sources[k] < out[i].index; ++k) {
      const std::size_t* y = &pos[k * d];
      double sum = 0;
      for (std::size_t j : order) sum += dist.term(j, x[j], y[j]);
      if (dist.finish(sum) == out[i].distance) {
        out[i].index = sources[k];
        break;
      }
    }
  }
}

}  // namespace

std::vector<Nearest> nearest_with_label(const Distance& dist, std::span<const Label> labels,
                                        const std::vector<bool>& targets) {
  const Grid& g = dist.grid();
  const Index N = g.size();
  require_memory(static_cast<double>(N) * 32.0, fmt::format("the closest-counterfactual search over {} points", N));
  std::vector<double> sum(N, kInf);
  std::vector<Index> src(N, kNoIndex);
  for (Index i = 0; i < N; ++i) {
    Label l = labels[i];
    if (l >= 0 && static_cast<std::size_t>(l) < targets.size() && targets[l]) sum[i] = 0, src[i] = i;
  }
  std::vector<double> f, f2;
  std::vector<Index> id, id2;
  // Axes in the distance's summation order, so each sum is formed exactly as the paper's code
  // formed it (((t0 + t1) + t2) + ...): the transform reproduces its floating-point values.
  for (std::size_t j : dist.order()) {
    const std::size_t n = g.radix(j);
    const Index stride = g.stride(j), block = stride * n;
    f.resize(n), id.resize(n);
    for (Index outer = 0; outer < N; outer += block)
      for (Index inner = 0; inner < stride; ++inner) {
        Index base = outer + inner;
        for (std::size_t k = 0; k < n; ++k) f[k] = sum[base + k * stride], id[k] = src[base + k * stride];
        transform_line(dist, j, f, id, f2, id2);
        for (std::size_t k = 0; k < n; ++k) sum[base + k * stride] = f[k], src[base + k * stride] = id[k];
      }
  }
  std::vector<Nearest> out(N);
  for (Index i = 0; i < N; ++i)
    if (src[i] != kNoIndex) out[i] = Nearest{dist.finish(sum[i]), src[i]};
  if (!dist.integral() && N <= kFloatTieScanLimit) lowest_index_at_distance(dist, labels, targets, out);
  return out;
}

std::vector<Nearest> nearest_with_label_brute_force(const Distance& dist, std::span<const Label> labels,
                                                    const std::vector<bool>& targets) {
  const Grid& g = dist.grid();
  const Index N = g.size();
  std::vector<Index> sources;
  for (Index i = 0; i < N; ++i)
    if (labels[i] >= 0 && static_cast<std::size_t>(labels[i]) < targets.size() && targets[labels[i]])
      sources.push_back(i);
  std::vector<Nearest> out(N);
  std::vector<std::size_t> x(g.dims()), y(g.dims());
  for (Index i = 0; i < N; ++i) {
    g.record(i, x);
    double best = kInf;
    Index bi = kNoIndex;
    for (Index s : sources) {
      g.record(s, y);
      double sum = 0;
      for (std::size_t j : dist.order()) sum += dist.term(j, x[j], y[j]);
      double d = dist.finish(sum);
      if (less(d, s, best, bi)) best = d, bi = s;
    }
    if (bi != kNoIndex) out[i] = Nearest{best, bi};
  }
  return out;
}

BoundaryDistances::BoundaryDistances(const Distance& dist, std::span<const Label> labels, int n_labels) {
  require_memory(static_cast<double>(dist.grid().size()) * 16.0 * (n_labels + 2),
                 fmt::format("nearest points of {} labels over {} grid points", n_labels, dist.grid().size()));
  for (int l = 0; l < n_labels; ++l) {
    std::vector<bool> t(n_labels, false);
    t[l] = true;
    by_label_.push_back(nearest_with_label(dist, labels, t));
  }
}

Nearest BoundaryDistances::nearest_other(Index x, Label own) const {
  Nearest best;
  double best_sum = kInf;
  for (Label l = 0; l < labels(); ++l) {
    if (l == own) continue;
    const Nearest& c = by_label_[l][x];
    if (!c.found()) continue;
    // Compare on the reported distance, then the index (the lowest index wins ties).
    if (c.distance < best_sum || (c.distance == best_sum && c.index < best.index)) best = c, best_sum = c.distance;
  }
  return best;
}

}  // namespace sceval::grid
