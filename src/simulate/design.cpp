#include "simulate/design.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "common/error.h"

namespace sceval::simulate {

std::size_t hamming(const grid::Grid& g, grid::Index a, grid::Index b) {
  std::size_t d = 0;
  for (std::size_t j = 0; j < g.dims(); ++j) d += g.position(a, j) != g.position(b, j);
  return d;
}

namespace {

// Points within Hamming distance h of `center`: choose the features to change (in increasing
// order, so each point is made once) and every other value of each.
void enumerate(const grid::Grid& g, grid::Index center, std::size_t from, std::size_t left, grid::Index current,
               std::vector<grid::Index>& out, std::size_t max_points) {
  for (std::size_t j = from; j < g.dims(); ++j) {
    const std::size_t own = g.position(center, j);
    const grid::Index base = current - static_cast<grid::Index>(own) * g.stride(j);
    for (std::size_t p = 0; p < g.radix(j); ++p) {
      if (p == own) continue;
      const grid::Index moved = base + static_cast<grid::Index>(p) * g.stride(j);
      if (out.size() == max_points)
        throw Error(fmt::format(
            "simulate: more than {} grid points lie within the Hamming distance asked of a reference point; "
            "give a smaller --hamming",
            max_points));
      out.push_back(moved);
      if (left > 1) enumerate(g, center, j + 1, left - 1, moved, out, max_points);
    }
  }
}

}  // namespace

std::vector<grid::Index> hamming_ball(const grid::Grid& g, grid::Index center, std::size_t h, std::size_t max_points) {
  std::vector<grid::Index> out;
  if (h > 0) enumerate(g, center, 0, h, center, out, max_points);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<grid::Index> pick_references(std::vector<grid::Index> candidates, std::optional<std::size_t> sample,
                                         std::uint64_t seed) {
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  if (!sample || *sample >= candidates.size()) return candidates;
  std::mt19937_64 rng(seed);
  std::shuffle(candidates.begin(), candidates.end(), rng);
  candidates.resize(*sample);
  std::sort(candidates.begin(), candidates.end());
  return candidates;
}

std::vector<grid::Index> shuffled_ball(const grid::Grid& g, grid::Index reference, std::size_t h, std::uint64_t seed) {
  auto ball = hamming_ball(g, reference, h);
  // One stream per reference: adding or dropping another reference never moves this one's points.
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(reference), static_cast<std::uint32_t>(reference >> 32)};
  std::mt19937_64 rng(seq);
  std::shuffle(ball.begin(), ball.end(), rng);
  return ball;
}

std::vector<grid::Index> balanced_pick(const std::vector<grid::Index>& pool, metrics::Label reference_label,
                                       const LabelOf& label_of, std::size_t per_point) {
  std::vector<grid::Index> changed, same;
  for (auto i : pool) {
    const metrics::Label l = label_of(i);
    if (l < 0) continue;  // no answer there: no truth to predict
    (l == reference_label ? same : changed).push_back(i);
  }
  std::size_t want_changed = per_point / 2, want_same = per_point - want_changed;
  if (changed.size() < want_changed) want_same += want_changed - changed.size();
  if (same.size() < want_same) want_changed += want_same - same.size();
  std::vector<grid::Index> out;
  out.insert(out.end(), changed.begin(), changed.begin() + std::min(want_changed, changed.size()));
  out.insert(out.end(), same.begin(), same.begin() + std::min(want_same, same.size()));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sceval::simulate
