#pragma once
// The SCE interchange format (README "File formats"). As input only `index` (or the orig_
// columns), `target` and the sce_ columns are required; `sce_label` (a label from a fresh query)
// and `status` (a parse failure such as no_json) are optional. As output every column is filled:
//   index,orig_<f>...,label,target,sce_<f>...,sce_label,status,valid,distance,d_min,rcf,rcf_a,
//   icf,icf_a,exact_match,n_changed,closest_index,drop_reason,paper_valid,paper_distance,
//   paper_d_min,paper_rcf,paper_rcf_a,paper_icf,paper_icf_a,paper_exact_match,paper_drop_reason
// The unprefixed score columns are strict mode (exact arithmetic), paper_* the paper's scorer.
#include <string>
#include <vector>

#include "common/csv.h"
#include "grid/grid.h"
#include "metrics/score.h"

namespace sceval::results {

std::vector<metrics::SceInput> read_sces(const grid::Grid& g, const std::string& path);
std::vector<metrics::SceInput> read_sces(const grid::Grid& g, const Table& t);  // from a parsed table
// with_history: two more columns at the end, history_label (the SCE's label asked in the follow-up's
// own chat) and history_valid (1 when it is the target); empty when the SCE was not asked.
void write_sces(const grid::Grid& g, const metrics::DecisionMap& map, const std::vector<metrics::SceInput>& sces,
                const std::vector<metrics::SceScore>& strict, const std::vector<metrics::SceScore>& paper,
                const std::string& path, bool with_history = false);
// What write_sces writes, as a table.
Table sce_table(const grid::Grid& g, const metrics::DecisionMap& map, const std::vector<metrics::SceInput>& sces,
                const std::vector<metrics::SceScore>& strict, const std::vector<metrics::SceScore>& paper,
                bool with_history = false);
// The same with each row's original label text given (lazy decision maps hold no full map);
// `censored` non-empty: one more column at the end, censored (1: the row's search hit its budget).
Table sce_table(const grid::Grid& g, const std::vector<std::string>& original_labels,
                const std::vector<metrics::SceInput>& sces, const std::vector<metrics::SceScore>& strict,
                const std::vector<metrics::SceScore>& paper, bool with_history, const std::vector<bool>& censored);

}  // namespace sceval::results

namespace sceval::results {

// A scored SCE read back from a run directory's sces.csv, keyed for pairing runs.
struct ScoredRow {
  grid::Index index = 0;
  std::string target;
  metrics::SceScore score;
};

// Reads the columns of one mode ("strict": unprefixed; "paper": paper_*) from an output sces.csv.
std::vector<ScoredRow> read_scored_sces(const std::string& path, metrics::Mode mode);

}  // namespace sceval::results
