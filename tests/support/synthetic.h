#pragma once
// Synthetic tasks and label maps for tests and benchmarks: the one home of sceval's random grid and
// decision-map generators (library sceval_testing; tests/support.h includes this header). Every
// generator takes the caller's engine, so a seed reproduces the same inputs everywhere.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "grid/closest.h"
#include "grid/grid.h"
#include "task/task.h"

namespace sceval::testing {

// --- small tasks built in code ----------------------------------------------------------------

task::Feature integer_feature(std::string name, std::int64_t start, std::int64_t stop, std::int64_t step = 1);
task::Feature level_feature(std::string name, task::FeatureType type, std::vector<std::int64_t> codes);
// A task over `features` with options "label 0" .. "label K-1" and templates that print the record.
task::Task make_task(std::vector<task::Feature> features, int n_labels = 2);

// --- random grids -----------------------------------------------------------------------------

// 1..max_features features of mixed kinds (integer ranges with random start and signed step, ordinal
// levels with uneven increasing codes, categoricals) and short axes (1..7 values): small grids where
// brute force is cheap and ties are common.
task::Task random_task(std::mt19937_64& rng, int max_features, int n_labels);

// A large grid of `features` ordered axes of near-equal lengths whose product is the smallest such
// product >= `points` (N = L^D exactly when N is a D-th power): even axes are integer ranges with a
// random start and step, odd axes ordinal levels with uneven increasing codes. Throws sceval::Error
// when points or features is 0.
task::Task random_ordered_task(std::uint64_t points, int features, int n_labels, std::mt19937_64& rng);

// --- random decision maps ---------------------------------------------------------------------

// Labels drawn uniformly from 0..k-1, each point NA (grid::kNA) with probability na_rate: pure noise,
// so boundaries and ties are everywhere.
std::vector<grid::Label> uniform_labels(std::mt19937_64& rng, grid::Index n, int k, double na_rate = 0.0);

// A label map with spatial structure: a random additive score over the axes (a linear rule on ordered
// axes plus a mild curvature; a random value per level on categorical axes), cut into `k` classes at
// jittered quantiles, then `noise` of the points relabelled uniformly at random. Boundaries are
// realistic (large regions, ragged edges), not pure noise. Throws sceval::Error when k < 1.
std::vector<grid::Label> structured_labels(const grid::Grid& g, int k, std::mt19937_64& rng, double noise = 0.05);

}  // namespace sceval::testing
