#include "report/lazy_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "common/error.h"
#include "report/run_dir.h"

namespace sceval::report {
namespace {

std::int64_t index_cell(const Table& t, std::size_t r, std::size_t c) {
  const std::string& s = t.rows[r][c];
  std::int64_t i = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec != std::errc() || end != s.data() + s.size() || i < 0)
    throw Error(fmt::format("{}: expected a grid index, got '{}'", t.where(r, c), s));
  return i;
}

// Coordinates of row r by its feature values (nullopt: a value the axes lack).
std::optional<Coords> row_coords(const Axes& ax, const Table& t, const std::vector<std::size_t>& cols, std::size_t r) {
  Coords c(ax.dims());
  for (std::size_t k = 0; k < ax.dims(); ++k) {
    auto level = ax.level(k, t.rows[r][cols[k]]);
    if (!level) return std::nullopt;
    c[k] = *level;
  }
  return c;
}

}  // namespace

bool is_lazy_map(const nlohmann::json& results) {
  const auto it = results.find("decision_map");
  return it != results.end() && it->is_object() && it->value("mode", "") == "lazy";
}

Axes lazy_axes(const nlohmann::json& results, const Table& t) {
  const auto cols = feature_columns(t);
  const std::size_t index = t.require_column("index");
  std::vector<Axis> axes;
  const auto& task = results["task"];
  if (task.contains("features") && task["features"].is_array()) {
    for (const auto& f : task["features"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("values") ||
          !f["values"].is_array())
        throw Error("results.json: task.features: expected objects with a name and a values array");
      Axis a{f["name"].get<std::string>(), {}};
      for (const auto& v : f["values"]) a.values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      axes.push_back(std::move(a));
    }
  } else {
    // Values in the order their points' indices give (rows are in index order).
    for (std::size_t c : cols) {
      Axis a{t.columns[c], {}};
      for (const auto& row : t.rows)
        if (std::find(a.values.begin(), a.values.end(), row[c]) == a.values.end()) a.values.push_back(row[c]);
      axes.push_back(std::move(a));
    }
  }
  if (axes.size() != cols.size())
    throw Error(fmt::format("{}: {} feature columns, but results.json task.features has {}", t.source, cols.size(),
                            axes.size()));
  for (std::size_t k = 0; k < cols.size(); ++k)  // sces.csv's sce_ columns are looked up by these names
    if (axes[k].name != t.columns[cols[k]])
      throw Error(fmt::format("{}: feature column {} is '{}', but results.json task.features[{}] is '{}'", t.source,
                              k + 1, t.columns[cols[k]], k, axes[k].name));
  Axes ax(std::move(axes));
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    auto c = row_coords(ax, t, cols, r);
    if (!c || ax.index(*c) != index_cell(t, r, index))
      throw Error(
          fmt::format("{}: the asked points' feature values do not determine the grid (the point with index {} "
                      "would be {}); results.json needs task.features for this lazy run",
                      t.where(r, index), t.rows[r][index], c ? std::to_string(ax.index(*c)) : "off the grid"));
  }
  return ax;
}

std::vector<std::pair<std::int64_t, int>> asked_labels(const Axes& ax, const Table& t,
                                                       const std::vector<std::string>& options) {
  const std::size_t index = t.require_column("index"), label = t.require_column("label");
  std::vector<std::pair<std::int64_t, int>> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::int64_t i = index_cell(t, r, index);
    if (i >= ax.size()) throw Error(fmt::format("{}: index {} is not a grid point", t.where(r, index), i));
    const std::string& text = t.rows[r][label];
    int l = kOffLabel;
    if (text.empty() || text == "NA") l = kNA;
    for (std::size_t o = 0; o < options.size(); ++o)
      if (options[o] == text) l = static_cast<int>(o);
    out.emplace_back(i, l);
  }
  return out;
}

std::vector<Edge> asked_boundary(const Axes& ax, const std::vector<std::pair<std::int64_t, int>>& labels) {
  std::unordered_map<std::int64_t, int> at(labels.begin(), labels.end());
  std::vector<Edge> out;
  for (const auto& [i, l] : labels) {
    if (l < 0) continue;
    const Coords c = ax.coords(i);
    for (std::size_t k = 0; k < ax.dims(); ++k) {
      if (c[k] + 1 >= static_cast<int>(ax.axes()[k].values.size())) continue;
      auto n = at.find(i + ax.stride(k));
      if (n != at.end() && n->second >= 0 && n->second != l) out.push_back({i, static_cast<int>(k)});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Edge& a, const Edge& b) { return std::pair(a.index, a.axis) < std::pair(b.index, b.axis); });
  return out;
}

}  // namespace sceval::report
