#include "report/run_dir.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "report/lazy_map.h"
#include "report/text_run.h"
#include "results/results_schema.h"

namespace fs = std::filesystem;

namespace sceval::report {
namespace {

nlohmann::json read_json_file(const std::string& path) {
  return parse_json_bounded(read_file_text(path, "JSON file"), path);
}

std::optional<nlohmann::json> read_optional_artifact(const std::string& path, const char* kind) {
  if (!path_exists(path)) return std::nullopt;
  auto j = read_json_file(path);
  if (!j.is_object() || !j.contains("kind") || j["kind"] != kind || !j.contains("schema_version") ||
      j["schema_version"] != 1)
    throw Error(fmt::format("{}: expected an object with \"kind\": \"{}\" and \"schema_version\": 1", path, kind));
  return j;
}

}  // namespace

// samples.jsonl: the follow-up conversations (they contain the turn-1 exchange) and live checks.
std::vector<nlohmann::json> read_samples(const std::string& path) {
  std::vector<nlohmann::json> out;
  if (!path_exists(path)) return out;
  std::istringstream in(read_file_text(path, "samples file", std::size_t{2} << 30));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    nlohmann::json j = parse_json_bounded(line, fmt::format("{} line {}", path, n));
    if (!j.is_object() || !j.contains("stage"))
      throw Error(fmt::format("{}:{}: expected an object with a \"stage\" field", path, n));
    if (j["stage"] != "decision_map") out.push_back(std::move(j));
  }
  return out;
}

namespace {

// The subdirectories of a sweep folder that hold results.json, in name order.
std::vector<fs::path> sweep_cells(const fs::path& dir) {
  std::vector<fs::path> cells;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (path_type(it->path()) == fs::file_type::directory && path_exists(it->path() / "results.json"))
      cells.push_back(it->path());
  if (ec) throw_fs_error(dir, "list the folder", ec);
  std::sort(cells.begin(), cells.end());
  return cells;
}

// sces.csv as `run` / `score` write it: refused at the header without index, target or an sce_
// column for each feature of the decision map (the columns the page draws from), and at the first
// row whose target is not one of the task's options.
Table read_sces(const std::string& path, const nlohmann::json& results, const Table& decision_map) {
  std::vector<std::string> required = {"index", "target"};
  for (std::size_t c : feature_columns(decision_map)) required.push_back("sce_" + decision_map.columns[c]);
  Table t = csv::read_file(path, csv::kMaxRecordBytes, csv::require_columns(required));
  check_targets(t, results["task"]["options"].get<std::vector<std::string>>());  // options: checked by the schema
  return t;
}

}  // namespace

void check_targets(const Table& t, const std::vector<std::string>& options) {
  const std::size_t target = t.require_column("target");
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    if (std::find(options.begin(), options.end(), t.rows[r][target]) == options.end())
      throw Error(fmt::format("{}: target \"{}\" is not one of the task's options ({})", t.where(r, target),
                              t.rows[r][target], fmt::join(options, ", ")));
}

RunDir load_run(const std::string& path, const std::string& name) {
  RunDir r;
  r.path = path;
  r.name = name;
  const std::string dir = path + "/";
  r.results = read_json_file(dir + "results.json");
  results::validate_results_json(r.results, dir + "results.json");
  if (is_text_run(r.results)) {
    load_text_run(r);
    return r;
  }
  // A lazy run (decision_map.mode "lazy") lists only the points it asked.
  r.decision_map = csv::read_file(dir + "decision_map.csv");
  // Files of two different runs side by side (a failed re-run into an old folder) must not render as one.
  if (const auto& gp = r.results["task"].value("grid_points", nlohmann::json());
      !is_lazy_map(r.results) && gp.is_number_integer() &&
      gp.get<std::int64_t>() != static_cast<std::int64_t>(r.decision_map.rows.size()))
    throw Error(
        fmt::format("{}decision_map.csv: {} rows, but results.json says the grid has {} points (files of "
                    "different runs? run the command again into an empty folder)",
                    dir, r.decision_map.rows.size(), gp.get<std::int64_t>()));
  r.sces = read_sces(dir + "sces.csv", r.results, r.decision_map);
  r.samples = read_samples(dir + "samples.jsonl");
  r.stability = read_optional_artifact(dir + "stability.json", "stability");
  r.quiz = read_optional_artifact(dir + "gower_quiz.json", "gower_quiz");
  r.simulate = read_optional_artifact(dir + "simulate.json", "simulate");
  return r;
}

std::vector<std::pair<std::string, std::string>> expand_run_dirs(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& a : args) {
    fs::path p(a);
    if (path_type(p) != fs::file_type::directory) throw Error(fmt::format("{}: not a directory", a));
    if (path_exists(p / "results.json")) {
      std::error_code ec;
      fs::path norm = fs::absolute(p, ec).lexically_normal();
      if (ec) throw_fs_error(p, "find its absolute path", ec);
      if (norm.filename().empty()) norm = norm.parent_path();
      out.emplace_back(a, norm.filename().string());
      continue;
    }
    const auto cells = sweep_cells(p);
    if (cells.empty())
      throw Error(
          fmt::format("{}: neither a run directory nor a sweep (no results.json in it or its subdirectories)", a));
    for (const auto& c : cells) out.emplace_back(c.string(), c.filename().string());
  }
  return out;
}

std::vector<std::size_t> feature_columns(const Table& t) {
  const std::size_t label = t.require_column("label");
  const auto index = t.column("index");
  std::vector<std::size_t> cols;
  for (std::size_t c = 0; c < label; ++c)
    if (!index || c != *index) cols.push_back(c);
  if (cols.empty()) throw Error(fmt::format("{}: no feature columns before 'label'", t.source));
  return cols;
}

Axes read_axes(const Table& t) {
  const std::vector<std::size_t> cols = feature_columns(t);
  if (t.rows.empty()) throw Error(fmt::format("{}: no rows (a decision map has one row per grid point)", t.source));
  const auto index = t.column("index");
  std::vector<Axis> axes;
  for (std::size_t c : cols) {
    Axis a{t.columns[c], {}};
    for (const auto& row : t.rows)
      if (std::find(a.values.begin(), a.values.end(), row[c]) == a.values.end()) a.values.push_back(row[c]);
    axes.push_back(std::move(a));
  }
  Axes ax(std::move(axes));
  if (ax.size() != static_cast<std::int64_t>(t.rows.size()))
    throw Error(fmt::format(
        "{}: {} rows, but the feature values span a grid of {} points (the report needs every point, in grid order)",
        t.source, t.rows.size(), ax.size()));
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    Coords c = ax.coords(static_cast<std::int64_t>(r));
    for (std::size_t k = 0; k < cols.size(); ++k)
      if (ax.axes()[k].values[c[k]] != t.rows[r][cols[k]])
        throw Error(fmt::format("{}: rows are not in grid order (expected {} = {})", t.where(r, cols[k]),
                                ax.axes()[k].name, ax.axes()[k].values[c[k]]));
    if (index && t.rows[r][*index] != std::to_string(r))
      throw Error(fmt::format("{}: expected index {}", t.where(r, *index), r));
  }
  return ax;
}

}  // namespace sceval::report
