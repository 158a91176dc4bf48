// Reading a finished run directory for a simulatability audit.
#include <fmt/format.h>

#include <filesystem>

#include "common/error.h"
#include "common/file.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "results/sce_csv.h"
#include "simulate/simulate.h"
#include "task/registry.h"

namespace sceval::simulate {

RunInputs read_run(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path d(dir);
  if (path_type(d) != fs::file_type::directory) throw Error(fmt::format("{}: not a run directory", dir));
  const std::string results = (d / "results.json").string();
  if (!path_exists(results))
    throw Error(fmt::format("{}: no results.json: not a finished run (run `sceval run` to the end first)", dir));
  RunInputs in;
  in.dir = dir;
  const auto j = results::read_results_json(results);
  // A run of a model records its task spec in settings; a `sceval score` run only the task itself.
  in.settings = j.contains("settings") && j["settings"].is_object() ? j["settings"] : nlohmann::json::object();
  const auto text_at = [](const nlohmann::json& o, const char* k) {
    return o.is_object() && o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string();
  };
  in.task_spec = text_at(in.settings, "task");
  if (in.task_spec.empty() && j.contains("task")) in.task_spec = text_at(j["task"], "path");
  if (in.task_spec.empty() && j.contains("task")) in.task_spec = text_at(j["task"], "name");
  if (in.task_spec.empty()) throw Error(fmt::format("{}: field \"settings.task\": expected the run's task", results));
  in.task = std::make_shared<const task::Task>(task::resolve_task(in.task_spec));
  const std::string mode = in.settings.value("decision_map", std::string("generate"));
  in.lazy = mode == "lazy" || mode == "auto";
  grid::Grid g(*in.task);
  in.map = results::read_decision_map(g, (d / "decision_map.csv").string());
  const std::string sces = (d / "sces.csv").string();
  in.sces = results::read_sces(g, sces);
  for (const auto& row : results::read_scored_sces(sces, metrics::Mode::Strict)) {
    in.sce_valid.push_back(row.score.valid);
    in.sce_minimal.push_back(row.score.exact_match);
  }
  if (in.sce_valid.size() != in.sces.size())
    throw Error(fmt::format("{}: not the sces.csv of a scored run (no valid/exact_match columns)", sces));
  return in;
}

}  // namespace sceval::simulate
