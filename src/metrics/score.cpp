#include "metrics/score.h"

#include "metrics/grid_values.h"

namespace sceval::metrics {

std::string_view to_string(Mode m) { return m == Mode::Paper ? "paper" : "strict"; }

Scorer::Scorer(const grid::Distance& dist, const DecisionMap& map, Mode mode)
    : dist_(&dist),
      map_(&map),
      mode_(mode),
      boundary_(dist, map.labels, static_cast<int>(dist.grid().task().options.size())) {}

double Scorer::distance_to_values(grid::Index from, const std::vector<std::optional<double>>& values) const {
  std::vector<double> y;
  for (const auto& v : values) y.push_back(*v);
  return dist_->between_values(codes_of(dist_->grid(), from), y);
}

// Off-grid SCEs only (strict mode): a scan of the grid, O(N * d) per SCE.
double Scorer::nearest_to_values(const std::vector<std::optional<double>>& values, Label target) const {
  const grid::Grid& g = dist_->grid();
  double best = kNaN;
  for (grid::Index i = 0; i < g.size(); ++i) {
    if (map_->labels[i] != target) continue;
    double d = distance_to_values(i, values);
    if (std::isnan(best) || d < best) best = d;
  }
  return best;
}

SceScore Scorer::score(const SceInput& s) const {
  SceScore r;
  const grid::Grid& g = dist_->grid();
  const bool paper = mode_ == Mode::Paper;
  const Label orig = map_->labels.at(s.index);
  if (orig == kNA) return r.drop_reason = "original_na", r;
  if (orig == kOffLabel) return r.drop_reason = "original_off_label", r;
  if (s.target < 0) return r.drop_reason = "target_not_an_option", r;
  // Asking for the label the point already has is no counterfactual: an unchanged record would be
  // "valid". Such a row (hand-made or from a k-way mix-up) is dropped, never scored.
  if (s.target == orig) return r.drop_reason = "target_is_own_label", r;

  const grid::Nearest cf = boundary_.nearest(s.index, s.target);
  if (cf.found()) r.d_min = cf.distance, r.closest_index = cf.index;

  if (s.record) {
    const grid::Index si = g.index(*s.record);
    r.n_changed = 0;
    for (std::size_t j = 0; j < g.dims(); ++j) r.n_changed += g.position(s.index, j) != (*s.record)[j];
    // Validity is a lookup in the model's own map, as in the paper; strict mode prefers a label
    // from a fresh query when one was recorded.
    r.sce_label = !paper && s.live_label ? *s.live_label : map_->labels[si];
    // (paper) in the model's own map, as in the paper; a NA cell cannot be judged.
    if (paper && r.sce_label == kNA) return r.drop_reason = "sce_label_na", r;
    r.kept = true;
    r.distance = (*dist_)(s.index, si);
    r.valid = r.sce_label == s.target;
    if (!cf.found()) {
      r.valid = false;  // no point has the requested label: nothing can be valid (paper: all NaN)
      r.exact_match = false;
      return r;
    }
    if (*r.valid) {
      r.rcf = r.distance / r.d_min - 1;
      r.rcf_a = r.distance - r.d_min;
    } else {
      // Distance from the SCE to the boundary it failed to cross. Paper: to the nearest point
      // with another option than the SCE point's own (NaN when that is off-label); strict: to
      // the nearest point with the requested label.
      double c2b = kNaN;
      if (!paper) {
        auto n = boundary_.nearest(si, s.target);
        if (n.found()) c2b = n.distance;
      } else if (r.sce_label >= 0) {
        auto n = boundary_.nearest_other(si, r.sce_label);
        if (n.found()) c2b = n.distance;
      }
      r.icf = c2b / r.d_min;
      r.icf_a = c2b;
    }
    r.exact_match = *r.valid && (paper ? r.rcf == 0.0 : r.distance == r.d_min);
    return r;
  }

  // A request that failed (server error after retries) says nothing about the model: not scored.
  if (s.status == "request_failed") return r.drop_reason = "request_failed", r;
  if (paper) return r.drop_reason = "sce_" + s.status, r;
  // Strict: the row stays and counts as invalid unless a live check says otherwise.
  r.kept = true;
  r.valid = false;
  r.exact_match = false;
  if (s.status == "off_grid" && all_values(s.values, g.dims())) {
    r.distance = distance_to_values(s.index, s.values);
    auto orig_codes = codes_of(g, s.index);
    r.n_changed = 0;
    for (std::size_t j = 0; j < g.dims(); ++j) r.n_changed += orig_codes[j] != *s.values[j];
    if (s.live_label) {
      r.sce_label = *s.live_label;
      r.valid = r.sce_label == s.target;
    }
    if (!cf.found()) return r;
    if (*r.valid) {
      r.rcf = r.distance / r.d_min - 1;
      r.rcf_a = r.distance - r.d_min;
      r.exact_match = r.distance == r.d_min;
    } else {
      r.icf_a = nearest_to_values(s.values, s.target);
      r.icf = r.icf_a / r.d_min;
    }
  }
  return r;
}

}  // namespace sceval::metrics
