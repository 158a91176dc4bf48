#pragma once
// Per-SCE scores in the two modes:
//  - paper: replicates the paper's scorer (utils.*_postprocessing, *_distance, scoring_function):
//    float32 Gower, validity by grid lookup, rows dropped for NA originals, unparseable or off-grid
//    SCEs and NA SCE cells (docs/paper-code.md); off-label originals are dropped with their own reason
//    (the paper's code crashes or keeps them half-scored, depending on the dataset).
//  - strict: sceval's own: exact arithmetic; unparseable and off-grid SCEs count as invalid unless
//    checked live; only rows without an original decision are dropped; every drop has a reason.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "grid/closest.h"
#include "grid/distance.h"
#include "metrics/decision_map.h"

namespace sceval::metrics {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Mode { Paper, Strict };
std::string_view to_string(Mode m);

// One self-generated counterfactual, as parsed from the model (or read from a CSV).
struct SceInput {
  grid::Index index = 0;                      // the original grid point
  Label target = kNA;                         // the requested complement label
  std::string status = "ok";                  // parse status: ok, off_grid, no_json, missing_key, ...
  std::string detail;                         // parse failure detail
  std::optional<grid::Record> record;         // SCE positions, when on the grid
  std::vector<std::optional<double>> values;  // SCE numeric codes per feature, when parsed
  std::optional<Label> live_label;            // label from a fresh query (off-grid or re-check)
  std::optional<Label> history_label;         // label asked in the follow-up's own chat (--with-history)
};

struct SceScore {
  bool kept = false;
  std::string drop_reason;  // empty when kept
  Label sce_label = kNA;    // label of the SCE point (map lookup or live check)
  std::optional<bool> valid;
  double distance = kNaN, d_min = kNaN, rcf = kNaN, rcf_a = kNaN, icf = kNaN, icf_a = kNaN;
  std::optional<bool> exact_match;
  int n_changed = -1;                        // -1: unknown
  std::optional<grid::Index> closest_index;  // the closest counterfactual of the original
};

// Scores every SCE. `dist` must use the arithmetic that the mode requires (paper: Arithmetic::Paper).
class Scorer {
 public:
  Scorer(const grid::Distance& dist, const DecisionMap& map, Mode mode);
  SceScore score(const SceInput& sce) const;
  Mode mode() const { return mode_; }

 private:
  double distance_to_values(grid::Index from, const std::vector<std::optional<double>>& values) const;
  double nearest_to_values(const std::vector<std::optional<double>>& values, Label target) const;

  const grid::Distance* dist_;
  const DecisionMap* map_;
  Mode mode_;
  grid::BoundaryDistances boundary_;
};

}  // namespace sceval::metrics
