#include "results/results_json.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/file.h"

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

nlohmann::json results_json(const task::Task& task, const grid::Grid& g, const metrics::DecisionMap& map,
                            task::DistanceKind distance, const nlohmann::json& paper, const nlohmann::json& strict,
                            const metrics::BootstrapSettings& bs, const nlohmann::json& extra) {
  nlohmann::json labels = nlohmann::json::object();
  for (std::size_t o = 0; o < task.options.size(); ++o) labels[task.options[o]] = map.count(static_cast<metrics::Label>(o));
  labels["NA"] = map.count(metrics::kNA);
  labels["off_label"] = map.count(metrics::kOffLabel);
  nlohmann::json j = {
      {"schema_version", kSchemaVersion},
      {"sceval_version", SCEVAL_VERSION},
      {"task", {{"name", task.name}, {"path", task.path}, {"options", task.options}, {"grid_points", g.size()}}},
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
  std::ofstream out(path);
  if (!out) throw Error(fmt::format("{}: cannot open for writing", path));
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  if (!out) throw Error(fmt::format("{}: write failed", path));
}

nlohmann::json read_json(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file_text(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", path, e.what()));
  }
}

}  // namespace sceval::results
