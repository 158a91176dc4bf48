// The transform works in place in the output array (Nearest = {sum, source} while
// transforming; finish() at the end), on tiles of neighbouring lines (no per-line gather/scatter;
// the fastest axis goes through a small transposed tile so that several lines advance together),
// on $SCEVAL_THREADS threads (default 1; lines are independent, so any count gives the same
// results). Each line is evaluated with the same arithmetic in the same order as the distance's
// own sums, so results equal the brute force bit for bit (tests/grid/closest_test.cpp).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "grid/closest.h"

#include <fmt/format.h>

namespace sceval::grid {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

inline bool less(double a, Index ia, double b, Index ib) { return a < b || (a == b && ia < ib); }

inline void relax(Nearest& cur, double cand, Index icand) {
  // Non-short-circuit form: compiles to flag arithmetic and conditional moves, no branches.
  bool take = (cand < cur.distance) | ((cand == cur.distance) & (icand < cur.index));
  cur.distance = take ? cand : cur.distance;
  cur.index = take ? icand : cur.index;
}

// True when every row of the axis table grows (weakly) away from its diagonal, which is zero.
bool monotone_terms(const Distance& dist, std::size_t j) {
  const std::size_t n = dist.grid().radix(j);
  for (std::size_t i = 0; i < n; ++i) {
    if (dist.term(j, i, i) != 0) return false;
    for (std::size_t k = i + 1; k < n; ++k)
      if (dist.term(j, i, k) < dist.term(j, i, k - 1)) return false;
    for (std::size_t k = i; k-- > 0;)
      if (dist.term(j, i, k) < dist.term(j, i, k + 1)) return false;
  }
  return true;
}

struct Scratch {
  std::vector<Nearest> copy, tile, best, second;
  std::vector<std::size_t> best_k;
};

// T neighbouring lines along axis j: row k of the tile starts at a + k * stride, element t of a row
// is line t. Transforms all T lines in place.
// `table` (General axes): term(j, i, k) at i * n + k.
void transform_tile(const Distance& dist, std::size_t j, const double* table, bool monotone, Nearest* a,
                    std::size_t stride, std::size_t n, std::size_t T, Scratch& s) {
  switch (dist.shape(j)) {
    case AxisShape::Linear: {
      const auto& c = dist.coords(j);
      for (std::size_t k = 1; k < n; ++k) {
        const double step = std::abs(c[k] - c[k - 1]);
        const Nearest* p = a + (k - 1) * stride;
        Nearest* q = a + k * stride;
        for (std::size_t t = 0; t < T; ++t) relax(q[t], p[t].distance + step, p[t].index);
      }
      for (std::size_t k = n - 1; k-- > 0;) {
        const double step = std::abs(c[k + 1] - c[k]);
        const Nearest* p = a + (k + 1) * stride;
        Nearest* q = a + k * stride;
        for (std::size_t t = 0; t < T; ++t) relax(q[t], p[t].distance + step, p[t].index);
      }
      return;
    }
    case AxisShape::Mismatch: {
      // Best and second best of each line (values before the update), then one relaxation.
      s.best.assign(T, Nearest{}), s.second.assign(T, Nearest{}), s.best_k.assign(T, n);
      for (std::size_t k = 0; k < n; ++k) {
        const Nearest* r = a + k * stride;
        for (std::size_t t = 0; t < T; ++t) {
          if (s.best_k[t] == n || less(r[t].distance, r[t].index, s.best[t].distance, s.best[t].index)) {
            s.second[t] = s.best[t];
            s.best[t] = r[t], s.best_k[t] = k;
          } else if (less(r[t].distance, r[t].index, s.second[t].distance, s.second[t].index)) {
            s.second[t] = r[t];
          }
        }
      }
      const double u = dist.unit(j);
      for (std::size_t k = 0; k < n; ++k) {
        Nearest* r = a + k * stride;
        for (std::size_t t = 0; t < T; ++t) {
          const Nearest& o = s.best_k[t] == k ? s.second[t] : s.best[t];
          relax(r[t], o.distance + u, o.index);
        }
      }
      return;
    }
    case AxisShape::General: {
      s.copy.resize(n * T);
      for (std::size_t k = 0; k < n; ++k) std::copy_n(a + k * stride, T, s.copy.begin() + k * T);
      if (!monotone) {
        for (std::size_t i = 0; i < n; ++i) {
          Nearest* r = a + i * stride;
          std::fill_n(r, T, Nearest{kInf, kNoIndex});
          for (std::size_t k = 0; k < n; ++k) {
            const double term = table[i * n + k];
            const Nearest* src = s.copy.data() + k * T;
            for (std::size_t t = 0; t < T; ++t) relax(r[t], src[t].distance + term, src[t].index);
          }
        }
        return;
      }
      // Terms grow (weakly) with |i - k|, and every sum on the line is >= its minimum m, so once
      // m + term(i, k) > best no farther k on that side can win or tie: scan outward from i and stop
      // each side there. The result is the same lexicographic minimum as the full scan.
      for (std::size_t t = 0; t < T; ++t) {
        const Nearest* col = s.copy.data() + t;
        double m = kInf;
        for (std::size_t k = 0; k < n; ++k) m = std::min(m, col[k * T].distance);
        if (m == kInf) continue;  // no source on this line: nothing changes
        for (std::size_t i = 0; i < n; ++i) {
          Nearest best = col[i * T];  // term(i, i) == 0 for every distance here
          best.distance += table[i * n + i];
          for (std::size_t k = i; k-- > 0;) {
            const double term = table[i * n + k];
            if (m + term > best.distance) break;
            relax(best, col[k * T].distance + term, col[k * T].index);
          }
          for (std::size_t k = i + 1; k < n; ++k) {
            const double term = table[i * n + k];
            if (m + term > best.distance) break;
            relax(best, col[k * T].distance + term, col[k * T].index);
          }
          a[i * stride + t] = best;
        }
      }
      return;
    }
  }
}

// With float sums, rounding can make two sources' distances equal only after a later term is
// added (or after the float32 cast of paper mode), when the transform has already kept one of
// them. The paper's argmin takes the first row at the minimal stored value: find the lowest-index
// source at exactly the reported distance. Branch and bound over the grid in index order: with the
// positions of the first axes fixed, the sum of their terms (added in order(), the other terms
// taken as 0) is a lower bound of every sum below (float addition is monotone), so a whole block
// is skipped when finish(bound) already exceeds the distance. The sums compared are dist(i, s)'s.
class TieScan {
 public:
  TieScan(const Distance& dist, std::span<const Label> labels, const std::vector<bool>& targets)
      : dist_(dist),
        g_(dist.grid()),
        labels_(labels),
        targets_(targets),
        d_(g_.dims()),
        table_(d_),
        row_(d_),
        fixed_(d_, 0.0) {
    for (std::size_t j = 0; j < d_; ++j) {
      const std::size_t n = g_.radix(j);
      table_[j].resize(n * n);
      for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) table_[j][a * n + b] = dist.term(j, a, b);
    }
  }

  // Lowest index y < limit with a target label and finish(sum(x, y)) == target_distance, if any.
  Index lowest(Index x, double target_distance, Index limit) {
    for (std::size_t j = 0; j < d_; ++j) row_[j] = table_[j].data() + g_.position(x, j) * g_.radix(j);
    want_ = target_distance, limit_ = limit, found_ = kNoIndex;
    std::fill(fixed_.begin(), fixed_.end(), 0.0);
    visit(0, 0);
    return found_;
  }

 private:
  bool is_target(Index y) const {
    Label l = labels_[y];
    return l >= 0 && static_cast<std::size_t>(l) < targets_.size() && targets_[l];
  }
  double bound() const {
    double s = 0;
    for (std::size_t j : dist_.order()) s += fixed_[j];
    return s;
  }
  // Returns true to stop (found, or past the limit).
  bool visit(std::size_t j, Index base) {
    const std::size_t n = g_.radix(j);
    const Index stride = g_.stride(j);
    for (std::size_t p = 0; p < n; ++p) {
      const Index y0 = base + p * stride;
      if (y0 >= limit_) return true;
      fixed_[j] = row_[j][p];
      if (dist_.finish(bound()) > want_) continue;
      if (j + 1 == d_) {
        if (is_target(y0) && dist_.finish(bound()) == want_) {
          found_ = y0;
          return true;
        }
      } else if (visit(j + 1, y0)) {
        return true;
      }
    }
    fixed_[j] = 0;  // the caller's bounds treat this axis as free again
    return false;
  }

  const Distance& dist_;
  const Grid& g_;
  std::span<const Label> labels_;
  const std::vector<bool>& targets_;
  std::size_t d_;
  std::vector<std::vector<double>> table_;
  std::vector<const double*> row_;
  std::vector<double> fixed_;
  double want_ = 0;
  Index limit_ = 0, found_ = kNoIndex;
};

void lowest_index_at_distance(const Distance& dist, std::span<const Label> labels, const std::vector<bool>& targets,
                              std::vector<Nearest>& out) {
  TieScan scan(dist, labels, targets);
  for (Index i = 0; i < out.size(); ++i) {
    if (!out[i].found()) continue;
    Index y = scan.lowest(i, out[i].distance, out[i].index);
    if (y != kNoIndex) out[i].index = y;
  }
}

int thread_count() {
  static const int n = [] {
    if (const char* e = std::getenv("SCEVAL_THREADS")) return std::max(1, std::atoi(e));
    return 1;
  }();
  return n;
}

template <class Body>
void parallel_for(Index count, Index min_per_thread, Body&& body) {
  Index nt = std::min<Index>(thread_count(), std::max<Index>(1, count / std::max<Index>(1, min_per_thread)));
  if (nt <= 1) return body(Index{0}, count);
  std::vector<std::thread> ts;
  for (Index t = 1; t < nt; ++t) ts.emplace_back([&, t] { body(count * t / nt, count * (t + 1) / nt); });
  body(0, count / nt);
  for (auto& th : ts) th.join();
}

}  // namespace

std::vector<Nearest> nearest_with_label(const Distance& dist, std::span<const Label> labels,
                                        const std::vector<bool>& targets) {
  const Grid& g = dist.grid();
  const Index N = g.size();
  require_grid_memory(g, 16.0, "the closest-counterfactual search");
  // While transforming, out[i].distance holds the sum of terms (finish() is applied at the end).
  std::vector<Nearest> out(N);
  parallel_for(N, 1 << 16, [&](Index b, Index e) {
    for (Index i = b; i < e; ++i) {
      Label l = labels[i];
      if (l >= 0 && static_cast<std::size_t>(l) < targets.size() && targets[l]) out[i] = Nearest{0.0, i};
    }
  });
  // Axes in the distance's summation order, so each sum is formed exactly as the paper's code
  // formed it (((t0 + t1) + t2) + ...): the transform reproduces its floating-point values.
  for (std::size_t j : dist.order()) {
    const std::size_t n = g.radix(j);
    const Index stride = g.stride(j), block = stride * n;
    const bool monotone = dist.shape(j) == AxisShape::General && monotone_terms(dist, j);
    std::vector<double> table;
    if (dist.shape(j) == AxisShape::General) {
      table.resize(n * n);
      for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) table[a * n + b] = dist.term(j, a, b);
    }
    if (stride == 1) {
      // Fastest axis: lines are contiguous; transpose kLines of them into a tile so that they
      // advance together (independent dependency chains), then copy back.
      constexpr Index kLines = 16;
      const Index lines = N / n, items = (lines + kLines - 1) / kLines;
      parallel_for(items, 64, [&](Index b, Index e) {
        Scratch s;
        for (Index w = b; w < e; ++w) {
          const Index first = w * kLines, T = std::min(kLines, lines - first);
          Nearest* base = out.data() + first * n;
          s.tile.resize(n * T);
          for (Index t = 0; t < T; ++t)
            for (std::size_t k = 0; k < n; ++k) s.tile[k * T + t] = base[t * n + k];
          transform_tile(dist, j, table.data(), monotone, s.tile.data(), T, n, T, s);
          for (Index t = 0; t < T; ++t)
            for (std::size_t k = 0; k < n; ++k) base[t * n + k] = s.tile[k * T + t];
        }
      });
    } else {
      // Tiles of T neighbouring lines, n * T entries (16 bytes each, about 256 KiB) staying in L2
      // between the forward and backward passes.
      const Index T = std::clamp<Index>(16384 / n, 1, stride);
      const Index tiles_per_block = (stride + T - 1) / T, items = (N / block) * tiles_per_block;
      parallel_for(items, 16, [&](Index b, Index e) {
        Scratch s;
        for (Index w = b; w < e; ++w) {
          Index outer = (w / tiles_per_block) * block, t0 = (w % tiles_per_block) * T;
          transform_tile(dist, j, table.data(), monotone, out.data() + outer + t0, stride, n, std::min(T, stride - t0),
                         s);
        }
      });
    }
  }
  parallel_for(N, 1 << 16, [&](Index b, Index e) {
    for (Index i = b; i < e; ++i)
      if (out[i].found()) out[i].distance = dist.finish(out[i].distance);
  });
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
  require_grid_memory(dist.grid(), 16.0 * (n_labels + 2), fmt::format("the nearest points of {} labels", n_labels));
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
