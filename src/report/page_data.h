#pragma once
// The data the report page is built from, as one JSON document (embedded in the page; the page's
// script only lays it out). Per run: summary (results.json as is), axes, cells, boundary edges,
// SCE arrows with steps to the boundary, edit statistics, samples, stability, quiz. A text run's
// data instead: text_run.h.
#include <vector>

#include <nlohmann/json.hpp>

#include "report/geometry.h"
#include "report/run_dir.h"

namespace sceval::report {

// A numeric cell: empty (or a missing column) -> null, a non-finite value -> null, text that is no
// number -> an Error naming file, line and column.
nlohmann::json number_cell(const Table& t, std::size_t r, std::optional<std::size_t> c);

// Decision-map labels as option positions (kNA, kOffLabel) and p_<option> columns (empty if none).
struct MapColumns {
  std::vector<int> labels;
  std::vector<std::vector<double>> probabilities;  // per option, per point; NaN where empty
};
MapColumns read_map_columns(const Table& dm, const std::vector<std::string>& options);

// The SCE rows of sces.csv as arrows (end point when every sce_ value is on the grid; steps to the
// boundary when `steps` is given: not for lazy maps).
std::vector<Arrow> read_arrows(const Axes& ax, const Table& sces, const std::vector<std::string>& options,
                               const BoundarySteps* steps);

nlohmann::json run_page_data(const RunDir& run);
nlohmann::json page_data(const std::vector<RunDir>& runs);

}  // namespace sceval::report
