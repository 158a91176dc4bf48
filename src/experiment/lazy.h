#pragma once
// `--decision-map lazy`: the paper's protocol on grids too big to query (docs/lazy.md).
// For each audited (point, requested label) row: the point's label, the follow-up SCE, the label at
// the SCE's grid point, and d_min / closest_index exactly, by asking grid points in increasing
// distance from the original (grid::PointsByDistance) until the first point of the requested label.
// Points come in (distance, index) order, so that point is the one the full-map scorer picks. An
// invalid SCE's distance to the boundary is searched the same way from the SCE. All searches advance
// together in rounds; each round's unknown labels go to the backend as one batch of exactly the
// turn-1 requests generate_decision_map sends, so the cache resumes killed runs and a later full-map
// run reuses every answer. A search that takes `max_queries_per_point` points without finding one
// is censored: its row keeps exact validity but no minimality numbers.
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/run.h"
#include "experiment/stages.h"
#include "grid/distance.h"
#include "metrics/lazy_score.h"

namespace sceval::experiment {

// True when `s` asks for the lazy mode: Lazy, or Auto on a grid whose full map would cost more
// queries than the audited rows' searches can (see lazy.cpp, full_map_is_cheaper).
bool wants_lazy(const RunSettings& s, const grid::Grid& g);

// The audited grid points: select_points() on grids it can hold (the same rows as a full-map run);
// on bigger grids --limit N takes the first N and --sample N draws N distinct points with the seed.
std::vector<grid::Index> select_points_lazy(const grid::Grid& g, const RunSettings& s);
// Throws what select_points_lazy would refuse (a grid too big for select_points without --sample or
// --limit), without selecting anything: checked before a run writes its first file.
void require_lazy_selection(const grid::Grid& g, const RunSettings& s);

// The labels asked so far: a sparse decision map.
struct AskedLabels {
  std::unordered_map<grid::Index, metrics::Label> label;
  std::unordered_map<grid::Index, std::string> off_label_answer;  // the answer text of off-label points
  std::unordered_map<grid::Index, std::string> reply;             // turn-1 replies of the audited points
  std::unordered_map<grid::Index, bool> failed;                   // requests that failed (label NA)
  metrics::Label at(grid::Index i) const { return label.at(i); }
};

struct LazyAudit {
  std::vector<metrics::SceInput> sces;
  std::vector<metrics::SceScore> strict;
  std::vector<bool> censored;        // per row: a search it needed hit the budget
  std::vector<std::size_t> queries;  // per row: grid points its searches took (their labels asked or reused)
  std::vector<double> radius;        // per row: distance reached by its d_min search (censored: d_min > radius)
  AskedLabels asked;
  std::size_t rounds = 0;
  std::size_t peak_state_bytes = 0;  // the searches' enumerator state, summed over searches, at its peak
};

// Runs the stages (labels of the audited points, follow-ups, searches) and scores the rows.
LazyAudit lazy_audit(const task::Task& t, const grid::Grid& g, const RunSettings& s, const grid::Distance& exact,
                     Asker& asker);

// The whole lazy run: results.json (strict metrics, a decision_map block, paper: why not),
// sces.csv (with a censored column), decision_map.csv (the asked points only) and samples.jsonl.
RunReport run_lazy(const RunSettings& s, const task::Task& t, const grid::Grid& g, llm::Backend& backend,
                   RunOutput& out, const nlohmann::json& model_info, const Progress& progress);

}  // namespace sceval::experiment
