#include "experiment/stability.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/error.h"
#include "common/file.h"
#include "experiment/stages.h"
#include "grid/closest.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "task/registry.h"

namespace sceval::experiment {

Stability analyse_stability(const grid::Distance& dist, const std::vector<std::vector<metrics::Label>>& labels,
                            int n_options) {
  const grid::Index n = dist.grid().size();
  const double variants = static_cast<double>(labels.size());
  Stability st;
  st.majority.assign(n, metrics::kNA);
  st.agreement.assign(n, 0.0);
  std::vector<std::size_t> votes(static_cast<std::size_t>(n_options));
  std::size_t unanimous = 0;
  for (grid::Index i = 0; i < n; ++i) {
    std::fill(votes.begin(), votes.end(), 0);
    for (const auto& v : labels)
      if (v.at(i) >= 0) ++votes.at(static_cast<std::size_t>(v[i]));
    auto best = std::max_element(votes.begin(), votes.end());  // first maximum: lowest option index
    if (*best == 0) continue;                                  // no variant gave an option: majority NA, agreement 0
    st.majority[i] = static_cast<metrics::Label>(best - votes.begin());
    st.agreement[i] = static_cast<double>(*best) / variants;
    unanimous += *best == labels.size();
  }
  st.unanimous_fraction = n ? static_cast<double>(unanimous) / static_cast<double>(n) : metrics::kNaN;
  st.band_points = static_cast<std::size_t>(n) - unanimous;

  grid::BoundaryDistances boundary(dist, st.majority, n_options);
  double sum = 0;
  std::size_t counted = 0;
  for (grid::Index i = 0; i < n; ++i) {
    if (st.agreement[i] >= 1.0 || st.majority[i] < 0) continue;
    auto other = boundary.nearest_other(i, st.majority[i]);
    if (!other.found()) return st;  // a single majority option: no boundary to measure from
    sum += other.distance;
    ++counted;
  }
  if (counted) st.boundary_band_width = sum / static_cast<double>(counted);
  return st;
}

namespace {

// Variants must share the first one's grid (feature names and values) and options (any order).
void check_same_grid(const task::Task& first, const task::Task& t) {
  bool same = t.features.size() == first.features.size();
  for (std::size_t j = 0; same && j < t.features.size(); ++j) {
    const auto &a = first.features[j], &b = t.features[j];
    same = a.name == b.name && a.size() == b.size();
    for (std::size_t p = 0; same && p < a.size(); ++p) same = a.text(p) == b.text(p);
  }
  if (!same)
    throw Error(
        fmt::format("task {}: its grid differs from task {}'s (features and values must match)", t.name, first.name));
  bool options = t.options.size() == first.options.size();
  for (const auto& o : t.options) options = options && first.option_index(o).has_value();
  if (!options) throw Error(fmt::format("task {}: its options differ from task {}'s", t.name, first.name));
}

}  // namespace

nlohmann::json run_stability(const std::vector<std::string>& variants, const RunSettings& s, llm::Backend& backend,
                             const nlohmann::json& model_info, const Progress& progress) {
  if (variants.empty()) throw Error("stability: no task variants");
  std::vector<task::Task> tasks;
  for (const auto& v : variants) tasks.push_back(task::resolve_task(v));
  for (const auto& t : tasks) check_same_grid(tasks.front(), t);
  for (const auto& t : tasks) require_full_map_memory(t, grid::Grid(t), s);  // before the folder is made
  const std::filesystem::path maps_dir = output_path(s.output, "decision_maps");
  NewFolders made(maps_dir.string());  // removed again if no answer comes (e.g. no server)
  ensure_directory(maps_dir);
  SampleLog log(s.output + "/samples.jsonl");
  Asker asker{backend, std::max<std::size_t>(1, s.chunk), log, progress};

  std::vector<std::vector<metrics::Label>> labels;
  nlohmann::json names = nlohmann::json::array();
  for (const auto& t : tasks) {
    grid::Grid g(t);
    RunSettings sv = s;
    sv.task = t.name;
    auto dm = s.decision_map != DecisionMapMode::Score ? generate_decision_map(t, g, sv, asker)  // full maps
                                                       : score_decision_map(t, g, sv, backend, progress);
    results::write_decision_map(g, dm.map, output_path(maps_dir, t.name + ".csv").string());
    std::vector<metrics::Label> common;  // in the first variant's option order; off-label -> NA
    for (auto l : dm.map.labels)
      common.push_back(l < 0 ? metrics::kNA : static_cast<metrics::Label>(*tasks.front().option_index(t.options[l])));
    labels.push_back(std::move(common));
    names.push_back(t.name);
  }

  made.keep();
  const task::Task& first = tasks.front();
  grid::Grid g(first);
  const auto kind = s.distance.value_or(first.distance);
  grid::Distance dist(g, kind, grid::Arithmetic::Exact);
  auto st = analyse_stability(dist, labels, static_cast<int>(first.options.size()));
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : first.features) {
    nlohmann::json values = nlohmann::json::array();
    for (std::size_t p = 0; p < f.size(); ++p) values.push_back(f.text(p));
    features.push_back({{"name", f.name}, {"values", values}});
  }
  std::vector<double> agreement = st.agreement;
  return {{"schema_version", 1},
          {"kind", "stability"},
          {"model", s.model},
          {"model_info", model_info},
          {"variants", names},
          {"features", features},
          {"options", first.options},
          {"labels", labels},
          {"majority", st.majority},
          {"agreement", agreement},
          {"unanimous_fraction", results::number_or_null(st.unanimous_fraction)},
          {"band_points", st.band_points},
          {"boundary_band_width", results::number_or_null(st.boundary_band_width)},
          {"band_definition", kBandDefinition},
          {"distance", dist.name()},
          {"settings", s.to_json()},
          {"requests", {{"total", asker.calls}, {"failed", asker.failures}}},
          {"complete", asker.failures == 0}};
}

}  // namespace sceval::experiment
