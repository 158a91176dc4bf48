#include "report/page_data.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "common/error.h"
#include "common/redact.h"
#include "report/lazy_map.h"
#include "report/text_run.h"

namespace sceval::report {
namespace {

using nlohmann::json;

int option_position(const std::vector<std::string>& options, const std::string& text) {
  if (text.empty()) return kNA;
  for (std::size_t o = 0; o < options.size(); ++o)
    if (options[o] == text) return static_cast<int>(o);
  return kOffLabel;
}

// A grid-index cell (`index`, `closest_index`): empty -> nullopt, else an integer in [0, N) or an
// Error naming the cell. (fuzz_run_dir: closest_index 1e70 was cast to int64, undefined behaviour.)
std::optional<std::int64_t> grid_index_cell(const Table& t, std::size_t r, std::optional<std::size_t> c,
                                            const Axes& ax) {
  const json x = number_cell(t, r, c);
  if (x.is_null()) return std::nullopt;
  const double v = x.get<double>();
  if (!(v >= 0 && v < static_cast<double>(ax.size()) && v == std::floor(v)))
    throw Error(fmt::format("{}: {} is not a grid point (0..{})", t.where(r, *c), t.rows[r][*c], ax.size() - 1));
  return static_cast<std::int64_t>(v);
}

json bool_cell(const Table& t, std::size_t r, std::optional<std::size_t> c) {
  if (!c || t.rows[r][*c].empty()) return nullptr;
  return t.rows[r][*c] == "1";
}

json coords_or_null(const std::optional<Coords>& c) { return c ? json(*c) : json(nullptr); }

json edges_json(const std::vector<Edge>& edges) {
  json out = json::array();
  for (const auto& e : edges) out.push_back({e.index, e.axis});
  return out;
}

std::vector<std::string> options_of(const RunDir& run) {
  const auto& t = run.results["task"];
  if (!t.contains("options") || !t["options"].is_array())
    throw Error(fmt::format("{}/results.json: task.options missing", run.path));
  return t["options"].get<std::vector<std::string>>();
}

json sce_rows(const Table& t, const std::vector<Arrow>& arrows, const Axes& ax) {
  const auto status = t.column("status"), valid = t.column("valid"), paper_valid = t.column("paper_valid");
  const auto distance = t.column("distance"), rcf_a = t.column("rcf_a"), exact = t.column("exact_match");
  const std::size_t target = t.require_column("target");
  json out = json::array();
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const Arrow& a = arrows[r];
    json sce = json::array();
    for (const auto& f : ax.axes()) {
      auto c = t.column("sce_" + f.name);
      sce.push_back(c ? t.rows[r][*c] : "");
    }
    std::string st = status ? t.rows[r][*status] : "";
    out.push_back({{"line", t.row_lines[r]},
                   {"index", a.index},
                   {"target", t.rows[r][target]},
                   {"target_pos", a.target},
                   {"status", st.empty() ? "ok" : st},
                   {"valid", bool_cell(t, r, valid)},
                   {"paper_valid", bool_cell(t, r, paper_valid)},
                   {"distance", number_cell(t, r, distance)},
                   {"rcf_a", number_cell(t, r, rcf_a)},
                   {"exact_match", bool_cell(t, r, exact)},
                   {"from", a.from},
                   {"to", coords_or_null(a.to)},
                   {"closest", coords_or_null(a.closest)},
                   {"steps", a.steps ? json(*a.steps) : json(nullptr)},
                   {"sce", sce}});
  }
  return out;
}

json samples_json(const std::vector<json>& samples) {
  json out = json::array();
  for (const auto& s : samples) {
    json o = json::object();
    for (const char* k : {"index", "stage", "target", "values", "messages", "response", "finish", "error"})
      if (s.contains(k)) o[k] = s[k];
    out.push_back(std::move(o));
  }
  return out;
}

// Every string (values and keys) with URL credentials masked, "scheme://***@host": a tampered or
// foreign results.json, sample or artifact must not carry a password into the page. (Depth is
// bounded: every document here was parsed with parse_json_bounded.)
void mask_url_credentials(json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.find("://") != std::string::npos) j = without_url_credentials(s);
  } else if (j.is_array()) {
    for (auto& v : j) mask_url_credentials(v);
  } else if (j.is_object()) {
    json out = json::object();
    for (auto& [k, v] : j.items()) {
      mask_url_credentials(v);
      out[k.find("://") != std::string::npos ? without_url_credentials(k) : k] = std::move(v);
    }
    j = std::move(out);
  }
}

}  // namespace

json number_cell(const Table& t, std::size_t r, std::optional<std::size_t> c) {
  if (!c || t.rows[r][*c].empty()) return nullptr;
  try {
    double x = std::stod(t.rows[r][*c]);
    return std::isfinite(x) ? json(x) : json(nullptr);
  } catch (const std::exception&) {
    throw Error(fmt::format("{}: expected a number, got '{}'", t.where(r, *c), t.rows[r][*c]));
  }
}

MapColumns read_map_columns(const Table& dm, const std::vector<std::string>& options) {
  MapColumns m;
  const std::size_t label = dm.require_column("label");
  for (const auto& row : dm.rows) m.labels.push_back(option_position(options, row[label]));
  std::vector<std::optional<std::size_t>> pcols;
  bool any = false;
  for (const auto& o : options) pcols.push_back(dm.column("p_" + o)), any = any || pcols.back().has_value();
  if (!any) return m;
  for (std::size_t o = 0; o < options.size(); ++o) {
    std::vector<double> p(dm.rows.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t r = 0; r < dm.rows.size() && pcols[o]; ++r) {
      json x = number_cell(dm, r, pcols[o]);
      if (!x.is_null()) p[r] = x.get<double>();
    }
    m.probabilities.push_back(std::move(p));
  }
  return m;
}

std::vector<Arrow> read_arrows(const Axes& ax, const Table& t, const std::vector<std::string>& options,
                               const BoundarySteps* steps) {
  const std::size_t index = t.require_column("index"), target = t.require_column("target");
  const auto status = t.column("status"), closest = t.column("closest_index");
  std::vector<std::optional<std::size_t>> sce_cols;
  for (const auto& f : ax.axes()) sce_cols.push_back(t.column("sce_" + f.name));
  std::vector<Arrow> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    Arrow a;
    const auto i = grid_index_cell(t, r, index, ax);
    if (!i) throw Error(fmt::format("{}: index is not a grid point (0..{})", t.where(r, index), ax.size() - 1));
    a.index = *i;
    a.target = option_position(options, t.rows[r][target]);
    a.from = ax.coords(a.index);
    const std::string st = status ? t.rows[r][*status] : "";
    Coords to(ax.dims());
    bool on_grid = st.empty() || st == "ok";
    for (std::size_t k = 0; k < ax.dims() && on_grid; ++k) {
      auto level = sce_cols[k] ? ax.level(k, t.rows[r][*sce_cols[k]]) : std::nullopt;
      if (level)
        to[k] = *level;
      else
        on_grid = false;
    }
    if (on_grid) a.to = to, a.steps = steps ? steps->steps(ax.index(to), a.target) : std::nullopt;
    if (const auto c = grid_index_cell(t, r, closest, ax)) a.closest = ax.coords(*c);
    out.push_back(std::move(a));
  }
  return out;
}

json run_page_data(const RunDir& run) {
  if (run.text) {  // no decision map over a grid: its own sections (text_run.h)
    json out = text_run_page_data(run);
    mask_url_credentials(out);
    return out;
  }
  const auto options = options_of(run);
  const bool lazy = is_lazy_map(run.results);
  Axes ax = lazy ? lazy_axes(run.results, run.decision_map) : read_axes(run.decision_map);
  // A lazy map has labels only where they were asked: no probabilities, and no steps to a boundary
  // that may run through points nobody asked about.
  MapColumns map;
  std::vector<std::pair<std::int64_t, int>> asked;
  std::optional<BoundarySteps> steps;
  if (lazy)
    asked = asked_labels(ax, run.decision_map, options);
  else
    map = read_map_columns(run.decision_map, options), steps.emplace(ax, map.labels, static_cast<int>(options.size()));
  auto arrows = read_arrows(ax, run.sces, options, steps ? &*steps : nullptr);

  json axes = json::array();
  for (const auto& a : ax.axes()) axes.push_back({{"name", a.name}, {"values", a.values}});
  json p = nullptr, p_edges = nullptr;
  if (!map.probabilities.empty()) {
    p = json::array(), p_edges = json::array();
    for (const auto& col : map.probabilities) {
      json c = json::array();
      for (double x : col) c.push_back(std::isnan(x) ? json(nullptr) : json(x));
      p.push_back(std::move(c));
      p_edges.push_back(edges_json(contour_edges(ax, col)));
    }
  }
  StepSummary ss = step_summary(arrows);
  json step_counts = json::array();
  for (const auto& [s, n] : ss.counts) step_counts.push_back({s, n});
  json edits = json::array();
  for (const auto& e : edit_stats(ax, arrows)) {
    json sizes = json::array();
    for (const auto& [s, n] : e.sizes) sizes.push_back({s, n});
    edits.push_back({{"feature", e.feature},
                     {"changed", e.changed},
                     {"of", e.of},
                     {"mean_size", e.changed ? json(e.mean_size) : json(nullptr)},
                     {"sizes", sizes}});
  }
  const auto& r = run.results;
  std::string model = r.contains("model") && r["model"].is_object() ? r["model"].value("spec", "") : "";
  json out = {
      {"name", run.name},
      {"path", run.path},
      {"task", r["task"].value("name", "")},
      {"model", model.empty() ? "(scored: " + run.name + ")" : model},
      {"options", options},
      {"results", r},
      {"axes", axes},
      {"lazy", lazy},
      {"labels", lazy ? json(nullptr) : json(map.labels)},
      {"asked_labels", lazy ? json(asked) : json(nullptr)},
      {"p", p},
      {"edges",
       {{"label", edges_json(lazy ? asked_boundary(ax, asked) : label_boundary(ax, map.labels))}, {"p", p_edges}}},
      {"sces", sce_rows(run.sces, arrows, ax)},
      {"steps", {{"counts", step_counts}, {"no_end_point", ss.no_end_point}, {"unreachable", ss.unreachable}}},
      {"edits", edits},
      {"samples", samples_json(run.samples)},
      {"stability", run.stability ? *run.stability : json(nullptr)},
      {"quiz", run.quiz ? *run.quiz : json(nullptr)},
      {"simulate", run.simulate ? *run.simulate : json(nullptr)}};
  mask_url_credentials(out);
  return out;
}

json page_data(const std::vector<RunDir>& runs) {
  json out = {{"schema_version", 1}, {"runs", json::array()}};
  for (const auto& r : runs) {
    try {
      out["runs"].push_back(run_page_data(r));
    } catch (const std::invalid_argument& e) {
      throw Error(fmt::format("{}: {}", r.path, e.what()));
    }
  }
  return out;
}

}  // namespace sceval::report
