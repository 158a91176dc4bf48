#pragma once
// Small helpers shared by the full-map and lazy scorers (score.cpp, lazy_score.cpp).
#include <optional>
#include <vector>

#include "grid/grid.h"

namespace sceval::metrics {

// The feature codes (the numbers distances use) of grid point `i`.
inline std::vector<double> codes_of(const grid::Grid& g, grid::Index i) {
  std::vector<double> c(g.dims());
  for (std::size_t j = 0; j < g.dims(); ++j) c[j] = static_cast<double>(g.feature(j).code(g.position(i, j)));
  return c;
}

// Whether a parsed SCE gave a value for each of the `dims` features.
inline bool all_values(const std::vector<std::optional<double>>& v, std::size_t dims) {
  if (v.size() != dims) return false;
  for (const auto& x : v)
    if (!x) return false;
  return true;
}

}  // namespace sceval::metrics
