#pragma once
// `sceval bench closest`: times the exact closest-counterfactual transform (grid/closest.h) on
// random grids or the paper's grids, checks it against the O(N^2) brute force where that is
// affordable, and prints one JSON object per run. bench/bench_closest.cpp (Google Benchmark)
// reuses the grid and label-map generators declared here.
#include <cstdint>
#include <random>
#include <vector>

#include "grid/closest.h"
#include "task/task.h"

namespace CLI {
class App;
}

namespace sceval::cli {

void add_bench_command(CLI::App& app);

// A task whose grid has `features` ordered axes (integer ranges with varied steps alternating with
// ordinal levels with uneven increasing codes) of near-equal lengths whose product is the smallest
// such product >= `points`, and `labels` label options.
task::Task random_bench_task(std::uint64_t points, int features, int labels, std::mt19937_64& rng);

// A random label map with spatial structure: a random additive score over the axes (a linear rule on
// ordered axes plus a mild curvature; a random value per level on categorical axes), cut into
// `labels` classes at random-but-balanced thresholds, then `noise` of the points relabelled uniformly
// at random. Boundaries are realistic (large regions, ragged edges), not pure noise.
std::vector<grid::Label> structured_labels(const grid::Grid& g, int labels, std::mt19937_64& rng,
                                           double noise = 0.05);

}  // namespace sceval::cli
