#include "metrics/lazy_score.h"

#include "metrics/grid_values.h"

namespace sceval::metrics {
namespace {

// Mirrors Scorer::score's on-grid branch (strict).
SceScore on_grid(const grid::Distance& dist, const SceInput& s, const LazyFacts& f, SceScore r) {
  const grid::Grid& g = dist.grid();
  const grid::Index si = g.index(*s.record);
  r.n_changed = 0;
  for (std::size_t j = 0; j < g.dims(); ++j) r.n_changed += g.position(s.index, j) != (*s.record)[j];
  r.sce_label = s.live_label ? *s.live_label : f.sce_point_label.value_or(kNA);
  r.kept = true;
  r.distance = dist(s.index, si);
  r.valid = r.sce_label == s.target;
  if (!f.closest) {  // censored: d_min unknown, so are RCF, ICF and (for a valid SCE) exact match
    if (!*r.valid) r.exact_match = false;
    return r;
  }
  if (!f.closest->found()) {
    r.valid = false;
    r.exact_match = false;
    return r;
  }
  if (*r.valid) {
    r.rcf = r.distance / r.d_min - 1;
    r.rcf_a = r.distance - r.d_min;
  } else if (f.sce_boundary) {
    double c2b = f.sce_boundary->found() ? f.sce_boundary->distance : kNaN;
    r.icf = c2b / r.d_min;
    r.icf_a = c2b;
  }
  r.exact_match = *r.valid && r.distance == r.d_min;
  return r;
}

}  // namespace

SceScore score_strict_lazy(const grid::Distance& dist, const SceInput& s, const LazyFacts& f) {
  SceScore r;
  const grid::Grid& g = dist.grid();
  if (f.original == kNA) return r.drop_reason = "original_na", r;
  if (f.original == kOffLabel) return r.drop_reason = "original_off_label", r;
  if (s.target < 0) return r.drop_reason = "target_not_an_option", r;
  if (f.closest && f.closest->found()) r.d_min = f.closest->distance, r.closest_index = f.closest->index;
  if (s.record) return on_grid(dist, s, f, r);

  if (s.status == "request_failed") return r.drop_reason = "request_failed", r;
  r.kept = true;
  r.valid = false;
  r.exact_match = false;
  if (s.status == "off_grid" && all_values(s.values, g.dims())) {
    std::vector<double> y;
    for (const auto& v : s.values) y.push_back(*v);
    auto orig_codes = codes_of(g, s.index);
    r.distance = dist.between_values(orig_codes, y);
    r.n_changed = 0;
    for (std::size_t j = 0; j < g.dims(); ++j) r.n_changed += orig_codes[j] != y[j];
    if (s.live_label) {
      r.sce_label = *s.live_label;
      r.valid = r.sce_label == s.target;
    }
    if (!f.closest) {  // censored
      if (*r.valid) r.exact_match.reset();
      return r;
    }
    if (!f.closest->found()) return r;
    if (*r.valid) {
      r.rcf = r.distance / r.d_min - 1;
      r.rcf_a = r.distance - r.d_min;
      r.exact_match = r.distance == r.d_min;
    } else if (f.values_boundary) {
      r.icf_a = *f.values_boundary;
      r.icf = r.icf_a / r.d_min;
    }
  }
  return r;
}

}  // namespace sceval::metrics
