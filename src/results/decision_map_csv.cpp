#include "results/decision_map_csv.h"

#include <fmt/format.h>

#include <charconv>

#include "common/csv.h"
#include "common/error.h"

namespace sceval::results {

std::string format_number(double x) {
  if (std::isnan(x)) return "";
  return fmt::format("{}", x);
}

namespace {

double parse_probability(const Table& t, std::size_t row, std::size_t col) {
  const std::string& s = t.rows[row][col];
  if (s.empty()) return std::nan("");
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !(v >= 0 && v <= 1))  // NaN too: empty means "none"
    throw Error(fmt::format("{}: expected a probability in [0, 1], got \"{}\"", t.where(row, col), s));
  return v;
}

// The row's grid point: its `index`, checked against every feature column present (some may be
// missing when an index is given), or the point the feature columns name.
grid::Index row_index(const grid::Grid& g, const Table& t, std::size_t r, std::optional<std::size_t> index_col,
                      const std::vector<std::optional<std::size_t>>& feature_cols) {
  grid::Record rec(g.dims());
  for (std::size_t j = 0; j < g.dims(); ++j) {
    if (!feature_cols[j]) continue;
    try {
      rec[j] = grid::parse_value(g.feature(j), t.rows[r][*feature_cols[j]]);
    } catch (const Error& e) {
      throw Error(fmt::format("{}: {}", t.where(r, *feature_cols[j]), e.what()));
    }
  }
  if (!index_col) return g.index(rec);
  grid::Index idx = 0;
  const std::string& s = t.rows[r][*index_col];
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), idx);
  if (ec != std::errc() || p != s.data() + s.size() || idx >= g.size())
    throw Error(fmt::format("{}: expected a grid index in 0..{}, got \"{}\"", t.where(r, *index_col), g.size() - 1, s));
  for (std::size_t j = 0; j < g.dims(); ++j)
    if (feature_cols[j] && rec[j] != g.position(idx, j))
      throw Error(fmt::format("{}: index {} has {} = {}, but the row says {}", t.where(r, *feature_cols[j]), idx,
                              g.feature(j).name, g.value_text(idx, j), t.rows[r][*feature_cols[j]]));
  return idx;
}

}  // namespace

metrics::DecisionMap read_decision_map(const grid::Grid& g, const std::string& path) {
  // The label column is checked at the header: a large file that is no decision map fails at once.
  return read_decision_map(g, csv::read_file(path, csv::kMaxRecordBytes, csv::require_columns({"label"})));
}

metrics::DecisionMap read_decision_map(const grid::Grid& g, const Table& t) {
  const task::Task& task = g.task();
  const std::size_t label_col = t.require_column("label");
  auto index_col = t.column("index");
  std::vector<std::optional<std::size_t>> feature_cols;
  for (const auto& f : task.features) feature_cols.push_back(t.column(f.name));
  if (!index_col)
    for (std::size_t j = 0; j < feature_cols.size(); ++j)
      if (!feature_cols[j])
        throw Error(fmt::format("{}: needs an 'index' column or all feature columns (missing '{}')", t.source,
                                task.features[j].name));
  std::vector<std::optional<std::size_t>> prob_cols;
  for (const auto& o : task.options) prob_cols.push_back(t.column("p_" + o));

  const bool any_prob = std::any_of(prob_cols.begin(), prob_cols.end(), [](auto& c) { return c.has_value(); });
  metrics::DecisionMap map = metrics::DecisionMap::all_na(g, any_prob);  // checks the memory first
  std::vector<bool> seen(g.size(), false);

  std::vector<std::string> known = {"index", "label"};
  for (const auto& f : task.features) known.push_back(f.name);
  for (const auto& o : task.options) known.push_back("p_" + o);
  csv::warn_unknown_columns(t, known);

  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const grid::Index idx = row_index(g, t, r, index_col, feature_cols);
    if (seen[idx]) throw Error(fmt::format("{}: grid point {} appears twice", t.where(r, label_col), idx));
    seen[idx] = true;
    const std::string& label = t.rows[r][label_col];
    map.labels[idx] = metrics::DecisionMap::label_of(task, label);
    if (map.labels[idx] == metrics::kOffLabel) map.answers[idx] = label;
    for (std::size_t o = 0; o < prob_cols.size(); ++o)
      if (prob_cols[o]) map.probabilities[idx][o] = parse_probability(t, r, *prob_cols[o]);
  }
  return map;
}

void write_decision_map(const grid::Grid& g, const metrics::DecisionMap& map, const std::string& path) {
  const Table t = decision_map_table(g, map);
  csv::write_file(path, t.columns, t.rows);
}

Table decision_map_table(const grid::Grid& g, const metrics::DecisionMap& map) {
  const task::Task& task = g.task();
  std::vector<std::string> header = {"index"};
  for (const auto& f : task.features) header.push_back(f.name);
  header.push_back("label");
  const bool probs = !map.probabilities.empty();
  if (probs)
    for (const auto& o : task.options) header.push_back("p_" + o);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(g.size());
  for (grid::Index i = 0; i < g.size(); ++i) {
    std::vector<std::string> row = {std::to_string(i)};
    for (std::size_t j = 0; j < g.dims(); ++j) row.push_back(g.value_text(i, j));
    metrics::Label l = map.labels[i];
    row.push_back(l >= 0 ? task.options[l] : l == metrics::kOffLabel ? map.answers[i] : "");
    if (probs)
      for (double p : map.probabilities[i]) row.push_back(format_number(p));
    rows.push_back(std::move(row));
  }
  return {"decision_map.csv", std::move(header), std::move(rows), {}};
}

}  // namespace sceval::results
