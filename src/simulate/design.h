#pragma once
// Which points are asked about: the reference points and, for each, counterfactual points within
// a Hamming distance, balanced between points where the target's answer stays and where it changes.
// Pure functions of the grid, the labels and the seed, so a rerun draws exactly the same points.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "grid/grid.h"
#include "metrics/decision_map.h"

namespace sceval::simulate {

// The target's label at a grid point (an option index; metrics::kNA when it gave none).
using LabelOf = std::function<metrics::Label(grid::Index)>;

// Number of features in which a and b differ.
std::size_t hamming(const grid::Grid& g, grid::Index a, grid::Index b);

// Every grid point that differs from `center` in 1..h features, in increasing index. Throws
// sceval::Error when there are more than `max_points` of them (naming the count and --hamming).
std::vector<grid::Index> hamming_ball(const grid::Grid& g, grid::Index center, std::size_t h,
                                      std::size_t max_points = 1'000'000);

// `candidates` itself, or `sample` of them drawn with `seed` (in increasing index).
std::vector<grid::Index> pick_references(std::vector<grid::Index> candidates, std::optional<std::size_t> sample,
                                         std::uint64_t seed);

// The seeded order in which a reference's ball is walked (the same for a reference whatever the
// other references are).
std::vector<grid::Index> shuffled_ball(const grid::Grid& g, grid::Index reference, std::size_t h, std::uint64_t seed);

// per_point points of `pool` (in pool order) with a known label: per_point / 2 where the label
// differs from `reference_label` and the rest where it is the same, each side filled from the
// other when it runs short. Returned in increasing index.
std::vector<grid::Index> balanced_pick(const std::vector<grid::Index>& pool, metrics::Label reference_label,
                                       const LabelOf& label_of, std::size_t per_point);

}  // namespace sceval::simulate
