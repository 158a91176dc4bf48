#pragma once
// Strict-mode scores from a lazy decision map: the facts the full-map Scorer looks up in its map
// (labels of the original and the SCE point, nearest points of the requested label) found by
// searches in increasing distance instead (experiment/lazy.h). Given the same facts it gives the
// same SceScore as Scorer::score in Mode::Strict. A search cut off by its budget leaves its facts
// unknown (censored): the minimality fields it feeds stay NaN / unset; validity is always exact.
#include <optional>

#include "grid/closest.h"
#include "metrics/score.h"

namespace sceval::metrics {

struct LazyFacts {
  Label original = kNA;                  // label at the original point
  std::optional<Label> sce_point_label;  // label asked at an on-grid SCE's point (fresh context)
  // Nearest point labelled the target, from the original (d_min); nullopt: censored. A Nearest
  // that is not found(): the whole grid was searched and no point has the label.
  std::optional<grid::Nearest> closest;
  // Invalid on-grid SCE: nearest target point from the SCE point; nullopt: censored or not searched.
  std::optional<grid::Nearest> sce_boundary;
  // Invalid off-grid SCE: distance from its values to the nearest target point (NaN: none).
  std::optional<double> values_boundary;
};

// `exact` must use Arithmetic::Exact (strict mode).
SceScore score_strict_lazy(const grid::Distance& exact, const SceInput& s, const LazyFacts& f);

}  // namespace sceval::metrics
