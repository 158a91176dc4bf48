#pragma once
// The metrics of an audit computed from its predictions table (simulate.csv), so an audit run whole
// and one merged from shards (docs/simulate.md "Shards") go through the same code and agree exactly.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sceval/table.h"
#include "simulate/score.h"
#include "task/task.h"

namespace sceval::simulate {

// The rows of simulate.csv as predictions, with each row's observer and kind (positions in
// `observers` and `kinds`); answers are positions in `options` (empty: none). The reference index is
// each row's cluster. Errors name the table's row and column.
struct TableRows {
  std::vector<Prediction> rows;
  std::vector<std::size_t> observer, kind;
};
TableRows read_rows(const Table& csv, const std::vector<std::string>& options, const std::vector<std::string>& kinds,
                    const std::vector<std::string>& observers);

// simulate.json "metrics" from the rows of simulate.csv: per kind in `kinds`, each observer of
// `observers` and the pool of them all, with the egregious rates. The reference index is the
// cluster of the bootstrap. Errors name the table's row and column (an answer that is no option).
nlohmann::json metrics_of_table(const Table& csv, const task::Task& t, const std::vector<std::string>& kinds,
                                const std::vector<std::string>& observers, const CiSettings& ci);

// The observers' names and the explanation kinds of a simulate.json (its "observers" and
// settings.explanation), in the order its rows have them. nlohmann::json errors when absent.
std::vector<std::string> audit_observers(const nlohmann::json& simulate_json);
std::vector<std::string> audit_kinds(const nlohmann::json& simulate_json);

// Orders rows as an unsharded audit writes them: by observer (in `observers` order), kind (in
// `kinds` order), reference index, counterfactual index; rows equal on these keep their order.
void sort_rows(Table& csv, const std::vector<std::string>& kinds, const std::vector<std::string>& observers);

// One simulate.json and simulate.csv from the shards' (in shard order; each json's settings equal
// apart from "shard", which the merged settings lack): counts and requests summed, rows merged and
// sorted, metrics recomputed over all rows (CIs after the merge).
struct Merged {
  nlohmann::json json;
  Table csv;
};
Merged merge_shards(const std::vector<nlohmann::json>& jsons, const std::vector<Table>& csvs, const task::Task& t,
                    const CiSettings& ci);

}  // namespace sceval::simulate
