#pragma once
// Decision-boundary stability (paper §4.5): the turn-1 decision map under each of several
// paraphrases of the turn-1 prompt (task variants over the same grid and options), the per-point
// agreement between them, and how wide the band of disagreement around the boundary is.
// Writes RUN_DIR/stability.json, RUN_DIR/decision_maps/<variant>.csv and RUN_DIR/samples.jsonl.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/run.h"
#include "grid/distance.h"
#include "metrics/decision_map.h"

namespace sceval::experiment {

inline constexpr const char* kBandDefinition =
    "The boundary band is the set of grid points where the variants do not all give the same option "
    "(agreement < 1); boundary_band_width is the mean, over band points with a majority option, of the "
    "distance (the task's distance, exact arithmetic) from the point to the nearest point whose majority "
    "option differs; null when the majority map has fewer than two options or the band is empty.";

struct Stability {
  std::vector<metrics::Label> majority;  // most frequent option per point (ties: lowest index); -1: no option given
  std::vector<double> agreement;         // fraction of variants whose option is the majority (NA agrees with nothing)
  double unanimous_fraction = 0;         // points where every variant gives the same option
  std::size_t band_points = 0;           // points with agreement < 1
  double boundary_band_width = metrics::kNaN;  // see kBandDefinition
};

// labels[v][i]: variant v's option at grid point i (< 0: NA or off-label).
Stability analyse_stability(const grid::Distance& dist, const std::vector<std::vector<metrics::Label>>& labels,
                            int n_options);

// Runs the decision map of every variant (s.task is ignored; s.output is the run directory).
// Returns stability.json's contents; "complete" is false while some request failed.
nlohmann::json run_stability(const std::vector<std::string>& variants, const RunSettings& s, llm::Backend& backend,
                             const nlohmann::json& model_info, const Progress& progress);

}  // namespace sceval::experiment
