#pragma once
// Baselines reported beside a model (results.json "baselines"): counterfactuals made from the
// decision map alone, with no model call, for the same (point, requested label) rows as the model's
// SCEs, and scored by the same paper and strict scorers.
//  - oracle:       the closest counterfactual itself (each mode's own arithmetic): validity 1, RCF 0.
//  - random_valid: a grid point drawn uniformly among those labelled with the target (seeded per
//                  row, so a row's draw does not depend on which other rows exist).
//  - one_step:     single-step edits of one feature (numeric/ordinal: the next value up or down;
//                  categorical: any other level), tried from the closest (the scoring mode's distance, then
//                  grid index); the first one labelled with the target, else the closest (invalid).
// A row with no possible edit (no point with the target label; a one-feature grid of one value)
// gets status "no_edit": dropped in paper mode, invalid in strict mode.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grid/distance.h"
#include "metrics/aggregate.h"
#include "metrics/score.h"

namespace sceval::experiment {

enum class Baseline { Oracle, RandomValid, OneStep };
std::string_view to_string(Baseline b);
inline constexpr Baseline kBaselines[] = {Baseline::Oracle, Baseline::RandomValid, Baseline::OneStep};

struct BaselineRow {
  grid::Index index;
  metrics::Label target;
};

// The baseline's SCE for every row. `dist` matters for the oracle (its closest point) and for the
// order of one-step edits; pass the distance of the mode that will score them.
std::vector<metrics::SceInput> baseline_sces(Baseline b, const grid::Distance& dist, const metrics::DecisionMap& map,
                                             const std::vector<BaselineRow>& rows, std::uint64_t seed);

// results.json "baselines": {name: {"paper": mode object, "strict": mode object}} for `kind`.
nlohmann::json baselines_json(const grid::Grid& g, const metrics::DecisionMap& map, task::DistanceKind kind,
                              const std::vector<BaselineRow>& rows, std::uint64_t seed,
                              const metrics::BootstrapSettings& bootstrap);

// The rows of a list of scored SCEs: (index, target) of each.
std::vector<BaselineRow> baseline_rows(const std::vector<metrics::SceInput>& sces);

}  // namespace sceval::experiment
