#include "grid/by_distance.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sceval::grid {

PointsByDistance::PointsByDistance(const Distance& dist, Index origin) : dist_(&dist) {
  const Grid& g = dist.grid();
  std::vector<std::vector<double>> terms(g.dims());
  for (std::size_t j = 0; j < g.dims(); ++j) {
    const std::size_t x = g.position(origin, j);
    for (std::size_t p = 0; p < g.radix(j); ++p) terms[j].push_back(dist.term(j, x, p));
  }
  init(std::move(terms));
}

PointsByDistance::PointsByDistance(const Distance& dist, std::span<const double> codes) : dist_(&dist) {
  // Distance::between_values, one axis at a time: the same operations on the same doubles.
  const Grid& g = dist.grid();
  const auto kind = dist.kind();
  std::vector<std::vector<double>> terms(g.dims());
  for (std::size_t j = 0; j < g.dims(); ++j) {
    const auto& f = g.feature(j);
    const double w = dist.weights()[j], scale = dist.scale(j);
    for (std::size_t p = 0; p < g.radix(j); ++p) {
      const double y = static_cast<double>(f.code(p));
      double delta = f.type == task::FeatureType::Categorical ? (codes[j] != y) : codes[j] - y;
      double t = kind == task::DistanceKind::L2Std ? delta * delta : std::abs(delta);
      if (kind == task::DistanceKind::Gower && f.type == task::FeatureType::Categorical)
        terms[j].push_back(w * t);
      else
        terms[j].push_back(scale != 0 ? w * (t / scale) : 0.0);
    }
  }
  values_mode_ = true;
  values_divisor_ =
      kind == task::DistanceKind::Gower ? std::accumulate(dist.weights().begin(), dist.weights().end(), 0.0) : 1.0;
  init(std::move(terms));
}

double PointsByDistance::finish(double sum) const {
  if (!values_mode_) return dist_->finish(sum);
  double d = sum / values_divisor_;
  return dist_->arithmetic() == Arithmetic::Paper && dist_->kind() == task::DistanceKind::Gower
             ? static_cast<double>(static_cast<float>(d))
             : d;
}

void PointsByDistance::init(std::vector<std::vector<double>> terms) {
  const Grid& g = dist_->grid();
  const std::size_t d = g.dims();
  sorted_.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    Axis& ax = sorted_[j];
    ax.position.resize(terms[j].size());
    std::iota(ax.position.begin(), ax.position.end(), 0u);
    std::stable_sort(ax.position.begin(), ax.position.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return terms[j][a] < terms[j][b]; });
    for (std::uint32_t p : ax.position) ax.term.push_back(terms[j][p]);
  }
  integral_ = dist_->integral() && !values_mode_;
  scratch_.assign(d, 0);
  push(scratch_, 0);
}

double PointsByDistance::sum_of(const std::uint32_t* ranks) const {
  double sum = 0;
  for (std::size_t j : dist_->order()) sum += sorted_[j].term[ranks[j]];
  return sum;
}

Index PointsByDistance::index_of(const std::uint32_t* ranks) const {
  const Grid& g = dist_->grid();
  Index i = 0;
  for (std::size_t j = 0; j < g.dims(); ++j) i += sorted_[j].position[ranks[j]] * g.stride(j);
  return i;
}

void PointsByDistance::push(const std::vector<std::uint32_t>& ranks, std::uint32_t pivot) {
  const std::size_t d = ranks.size();
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(ranks_.size() / std::max<std::size_t>(1, d));
    ranks_.resize(ranks_.size() + d);
  }
  std::copy(ranks.begin(), ranks.end(), ranks_.begin() + static_cast<std::ptrdiff_t>(slot * d));
  const double sum = sum_of(ranks.data());
  heap_.push(Node{integral_ ? sum : finish(sum), sum, index_of(ranks.data()), slot, pivot});
}

// Pops every queued vector at the smallest key (their children at the same key included), which
// completes the shell, and buffers it in index order.
void PointsByDistance::fill_shell() {
  const std::size_t d = sorted_.size();
  if (heap_.empty()) return;
  const double key = heap_.top().key;
  while (!heap_.empty() && heap_.top().key == key) {
    Node n = heap_.top();
    heap_.pop();
    shell_.push_back({n.index, finish(n.sum)});
    const std::uint32_t* r = ranks_.data() + static_cast<std::size_t>(n.slot) * d;
    scratch_.assign(r, r + d);
    free_.push_back(n.slot);
    for (std::size_t j = n.pivot; j < d; ++j) {
      if (scratch_[j] + 1 >= sorted_[j].position.size()) continue;
      ++scratch_[j];
      push(scratch_, static_cast<std::uint32_t>(j));
      --scratch_[j];
    }
  }
  std::sort(shell_.begin(), shell_.end(), [](const auto& a, const auto& b) { return a.index > b.index; });
}

bool PointsByDistance::next(PointAtDistance& out) {
  if (shell_.empty()) fill_shell();
  if (shell_.empty()) return false;
  out = shell_.back();
  shell_.pop_back();
  ++emitted_;
  return true;
}

std::size_t PointsByDistance::state_bytes() const {
  std::size_t b = ranks_.capacity() * 4 + free_.capacity() * 4 + heap_.size() * sizeof(Node) +
                  shell_.capacity() * sizeof(PointAtDistance);
  for (const auto& a : sorted_) b += a.position.capacity() * 4 + a.term.capacity() * 8;
  return b;
}

}  // namespace sceval::grid
