#include "results/results_json.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "results/results_schema.h"

namespace sceval::results {

nlohmann::json number_or_null(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

nlohmann::json mode_json(const grid::Distance& dist, const std::vector<metrics::SceScore>& scores,
                         const std::vector<metrics::SceInput>& inputs, const metrics::BootstrapSettings& bs) {
  metrics::Metrics m = metrics::aggregate(scores);
  nlohmann::json mj = nlohmann::json::object();
  for (const auto& k : metrics::Metrics::keys()) mj[k] = number_or_null(m.get(k));
  mj["n"] = static_cast<std::int64_t>(m.n);
  nlohmann::json ci = nlohmann::json::object();
  for (const auto& [k, v] : metrics::bootstrap_ci(scores, bs))
    ci[k] = nlohmann::json::array({number_or_null(v.first), number_or_null(v.second)});
  return {{"arithmetic", grid::to_string(dist.arithmetic())},
          {"distance", dist.name()},
          {"metrics", mj},
          {"ci", ci},
          {"counts", metrics::counts(scores, inputs)}};
}

namespace {

// Each feature's name and values in grid order: readers (the report) can lay out the grid without
// the task file, and lazy runs, whose decision_map.csv lists only the asked points, need it.
nlohmann::json features_json(const task::Task& t) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : t.features) {
    nlohmann::json values = nlohmann::json::array();
    for (std::size_t p = 0; p < f.size(); ++p) values.push_back(f.text(p));
    out.push_back({{"name", f.name}, {"values", values}});
  }
  return out;
}

}  // namespace

nlohmann::json results_json(const task::Task& task, const grid::Grid& g, const metrics::DecisionMap& map,
                            task::DistanceKind distance, const nlohmann::json& paper, const nlohmann::json& strict,
                            const metrics::BootstrapSettings& bs, const nlohmann::json& extra) {
  nlohmann::json labels = nlohmann::json::object();
  for (std::size_t o = 0; o < task.options.size(); ++o)
    labels[task.options[o]] = map.count(static_cast<metrics::Label>(o));
  labels["NA"] = map.count(metrics::kNA);
  labels["off_label"] = map.count(metrics::kOffLabel);
  nlohmann::json j = {
      {"schema_version", kSchemaVersion},
      {"sceval_version", SCEVAL_VERSION},
      {"task",
       {{"name", task.name},
        {"path", task.path},
        {"options", task.options},
        {"grid_points", g.size()},
        {"features", features_json(task)}}},
      {"distance", task::to_string(distance)},
      {"decision_map", {{"labels", labels}}},
      {"settings", {{"bootstrap", {{"resamples", bs.resamples}, {"seed", bs.seed}, {"level", bs.level}}}}},
      {"modes", {"paper", "strict"}},
      {"paper", paper},
      {"strict", strict}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void write_json(const nlohmann::json& j, const std::string& path) {
  write_file_atomic(path, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

nlohmann::json read_json(const std::string& path) {
  return parse_json_bounded(read_file_text(path, "JSON file"), path);
}

nlohmann::json read_results_json(const std::string& path) {
  nlohmann::json j = read_json(path);
  validate_results_json(j, path);
  return j;
}

}  // namespace sceval::results
