#include "training/run_data.h"

#include <fmt/format.h>

#include "common/csv.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "common/sha256.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "results/sce_csv.h"
#include "task/registry.h"

namespace sceval::training {
namespace {

task::Task load_task(const nlohmann::json& results, const std::string& where, const std::string& override_) {
  if (!override_.empty()) return task::resolve_task(override_);
  const auto& t = results.contains("task") ? results["task"] : nlohmann::json();
  if (!t.is_object() || !t.contains("name") || !t["name"].is_string())
    throw Error(fmt::format("{}: no task.name (not a sceval results file?)", where));
  const auto p = t.find("path");
  const std::string path = p != t.end() && p->is_string() ? p->get<std::string>() : "";
  if (!path.empty() && path_exists(path)) return task::load_task_file(path);
  return task::resolve_task(t["name"].get<std::string>());
}

task::DistanceKind load_distance(const nlohmann::json& results, const task::Task& t, const std::string& where) {
  if (!results.contains("distance")) return t.distance;
  const auto& d = results["distance"];
  auto kind = d.is_string() ? task::distance_from_string(d.get<std::string>()) : std::nullopt;
  if (!kind)
    throw Error(
        fmt::format("{}: field \"distance\": expected one of {}", where, fmt::join(task::kDistanceNames, ", ")));
  return *kind;
}

bool truthy(const std::string& v) { return v == "1" || v == "true" || v == "True"; }

// sces.csv without the rows a lazy run marked censored (an optional `censored` column).
Table drop_censored(Table t, std::size_t& censored) {
  auto col = t.column("censored");
  if (!col) return t;
  Table kept = t;
  kept.rows.clear();
  kept.row_lines.clear();
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (truthy(t.rows[r][*col])) {
      ++censored;
      continue;
    }
    kept.rows.push_back(t.rows[r]);
    kept.row_lines.push_back(r < t.row_lines.size() ? t.row_lines[r] : 0);
  }
  return kept;
}

Conversation conversation_of(const nlohmann::json& messages, const std::string& where) {
  if (!messages.is_array()) throw Error(fmt::format("{}: field \"messages\": expected an array", where));
  Conversation c;
  for (const auto& m : messages) {
    if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() ||
        !m["content"].is_string())
      throw Error(fmt::format("{}: field \"messages\": expected objects with string role and content", where));
    c.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  }
  return c;
}

// A text field of a samples.jsonl line; "" when absent.
std::string text_field(const nlohmann::json& j, const char* name, const std::string& where) {
  auto it = j.find(name);
  if (it == j.end()) return {};
  if (!it->is_string()) throw Error(fmt::format("{}: field \"{}\": expected a string", where, name));
  return it->get<std::string>();
}

void read_samples(const std::string& path, const task::Task& t, RunData& run) {
  LineReader in(path, "samples.jsonl");  // streamed: a long run's log may be larger than memory wants
  std::string line;
  while (in.next(line)) {
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}", path, in.line_number());
    const nlohmann::json j = parse_json_bounded(line, where);
    if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
    const std::string stage = text_field(j, "stage", where);
    if (stage != "decision_map" && stage != "followup") continue;
    if (j.contains("error") || text_field(j, "finish", where) == "error") continue;  // no answer was recorded
    if (!j.contains("index") || !j["index"].is_number_unsigned() || !j.contains("response") ||
        !j["response"].is_string())
      throw Error(fmt::format("{}: expected \"index\" (a grid index) and \"response\" (text)", where));
    auto index = j["index"].get<grid::Index>();
    if (index >= run.grid->size())
      throw Error(fmt::format("{}: field \"index\": {} is not a point of the task's grid", where, index));
    Exchange ex{conversation_of(j.value("messages", nlohmann::json()), where), j["response"].get<std::string>()};
    if (stage == "decision_map") {
      run.turn1[index] = std::move(ex);
      continue;
    }
    auto target = t.option_index(text_field(j, "target", where));
    if (!target) throw Error(fmt::format("{}: field \"target\": not one of the task's options", where));
    run.followups[{index, static_cast<metrics::Label>(*target)}] = std::move(ex);
  }
}

}  // namespace

std::string run_sha256(const std::string& dir) {
  std::string lines;
  for (const char* f : {"results.json", "decision_map.csv", "sces.csv", "samples.jsonl"}) {
    const std::string path = dir + "/" + f;
    if (std::string(f) == "samples.jsonl" && !path_exists(path)) continue;
    lines += fmt::format("{} {}\n", f, sha256_file(path));
  }
  return sha256_hex(lines);
}

RunData load_run(const std::string& dir, const std::string& task_override) {
  RunData run;
  run.dir = dir;
  const std::string results_path = dir + "/results.json";
  if (!path_exists(results_path)) throw Error(fmt::format("{}: not a run directory (no results.json)", dir));
  nlohmann::json results = results::read_results_json(results_path);  // the schema, as report and compare
  run.task = std::make_unique<task::Task>(load_task(results, results_path, task_override));
  run.grid = std::make_unique<grid::Grid>(*run.task);
  run.distance = load_distance(results, *run.task, results_path);
  run.map = results::read_decision_map(*run.grid, dir + "/decision_map.csv");
  const std::string sces_path = dir + "/sces.csv";
  if (!path_exists(sces_path))
    throw Error(fmt::format("{}: no sces.csv: the run has no self-counterfactuals to learn from", dir));
  Table sces = drop_censored(csv::read_file(sces_path), run.censored);
  run.sces = results::read_sces(*run.grid, sces);
  if (run.sces.empty() && run.censored == 0)
    throw Error(fmt::format("{}: no SCE rows: the run asked no follow-ups (nothing to learn from)", sces_path));
  const std::string samples = dir + "/samples.jsonl";
  run.has_samples = path_exists(samples);
  if (run.has_samples) read_samples(samples, *run.task, run);
  run.sha256 = run_sha256(dir);
  return run;
}

}  // namespace sceval::training
