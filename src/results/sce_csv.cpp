#include "results/sce_csv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>

#include "common/csv.h"
#include "common/error.h"
#include "results/decision_map_csv.h"

namespace sceval::results {
namespace {

std::optional<double> as_number(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The SCE's values from its sce_ columns: on the grid, off the grid (numbers kept), or a failure.
void read_sce_values(const grid::Grid& g, const Table& t, std::size_t r, const std::vector<std::size_t>& cols,
                     metrics::SceInput& s) {
  grid::Record rec(g.dims());
  s.values.assign(g.dims(), std::nullopt);
  bool off_grid = false;
  for (std::size_t j = 0; j < g.dims(); ++j) {
    const auto& f = g.feature(j);
    const std::string& v = t.rows[r][cols[j]];
    if (v.empty()) {
      s.status = "missing_key", s.detail = f.key;
      return;
    }
    try {
      rec[j] = grid::parse_value(f, v);
      s.values[j] = static_cast<double>(f.code(rec[j]));
    } catch (const Error&) {
      auto num = as_number(v);
      if (f.type == task::FeatureType::Categorical || !num) {
        s.status = f.type == task::FeatureType::Integer ? "non_numeric" : "unknown_level";
        s.detail = fmt::format("{}: \"{}\"", f.key, v);
        return;
      }
      s.values[j] = *num;
      off_grid = true;
    }
  }
  if (off_grid)
    s.status = "off_grid";
  else
    s.record = rec;
}

// The columns write_sces produces are all known (a scored sces.csv can be read again).
void warn_unknown_columns(const task::Task& task, const Table& t) {
  std::vector<std::string> known = {"index",  "label",         "target",       "sce_label",
                                    "status", "history_label", "history_valid"};
  for (const char* c : {"valid", "distance", "d_min", "rcf", "rcf_a", "icf", "icf_a", "exact_match", "drop_reason"})
    known.push_back(c), known.push_back(std::string("paper_") + c);
  for (const char* c : {"n_changed", "closest_index", "censored"}) known.push_back(c);  // censored: lazy runs
  for (const auto& f : task.features) known.push_back("orig_" + f.name), known.push_back("sce_" + f.name);
  csv::warn_unknown_columns(t, known);
}

// The original point: `index`, checked against each orig_ column present, or the orig_ columns.
grid::Index original_index(const grid::Grid& g, const Table& t, std::size_t r, std::optional<std::size_t> index_col,
                           const std::vector<std::optional<std::size_t>>& orig) {
  grid::Record rec(g.dims());
  for (std::size_t j = 0; j < g.dims(); ++j) {
    if (!orig[j]) continue;
    try {
      rec[j] = grid::parse_value(g.feature(j), t.rows[r][*orig[j]]);
    } catch (const Error& e) {
      throw Error(fmt::format("{}: {}", t.where(r, *orig[j]), e.what()));
    }
  }
  if (!index_col) return g.index(rec);
  grid::Index idx = 0;
  const std::string& v = t.rows[r][*index_col];
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), idx);
  if (ec != std::errc() || p != v.data() + v.size() || idx >= g.size())
    throw Error(fmt::format("{}: expected a grid index in 0..{}, got \"{}\"", t.where(r, *index_col), g.size() - 1, v));
  for (std::size_t j = 0; j < g.dims(); ++j)
    if (orig[j] && rec[j] != g.position(idx, j))
      throw Error(fmt::format("{}: index {} has {} = {}, but the row says {}", t.where(r, *orig[j]), idx,
                              g.feature(j).name, g.value_text(idx, j), t.rows[r][*orig[j]]));
  return idx;
}

// The statuses sceval writes: the parser's (parse/sce.cpp), a failed request's and a baseline's. Any
// other text ("OK", "valid", a typo) would be scored as a parse failure: invalid, silently.
constexpr std::array<std::string_view, 10> kStatuses = {
    "ok",          "off_grid",      "no_json",     "malformed_json", "not_an_object",
    "missing_key", "unknown_level", "non_numeric", "request_failed", "no_edit"};

void check_status(const Table& t, std::size_t r, std::size_t col) {
  const std::string& v = t.rows[r][col];
  if (v.empty() || std::find(kStatuses.begin(), kStatuses.end(), v) != kStatuses.end()) return;
  throw Error(fmt::format("{}: unknown status \"{}\" (expected empty or one of: {})", t.where(r, col), v,
                          fmt::join(kStatuses, ", ")));
}

std::string flag(const std::optional<bool>& b) { return b ? (*b ? "1" : "0") : ""; }

std::string label_text(const task::Task& t, metrics::Label l) { return l >= 0 ? t.options[l] : ""; }

}  // namespace

std::vector<metrics::SceInput> read_sces(const grid::Grid& g, const std::string& path) {
  return read_sces(g, csv::read_file(path, csv::kMaxRecordBytes, csv::require_columns({"target"})));  // at the header
}

std::vector<metrics::SceInput> read_sces(const grid::Grid& g, const Table& t) {
  const task::Task& task = g.task();
  const std::size_t target_col = t.require_column("target");
  auto index_col = t.column("index");
  std::vector<std::size_t> sce_cols;
  std::vector<std::optional<std::size_t>> orig_cols;
  for (const auto& f : task.features) {
    sce_cols.push_back(t.require_column("sce_" + f.name));
    orig_cols.push_back(index_col ? t.column("orig_" + f.name) : t.require_column("orig_" + f.name));
  }
  auto label_col = t.column("sce_label");
  auto status_col = t.column("status");
  warn_unknown_columns(task, t);
  std::vector<metrics::SceInput> out;
  std::map<std::pair<grid::Index, metrics::Label>, std::size_t> seen;  // (index, target) -> its row
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    metrics::SceInput s;
    s.index = original_index(g, t, r, index_col, orig_cols);
    const std::string& target = t.rows[r][target_col];
    auto ti = task.option_index(target);
    if (!ti)
      throw Error(fmt::format("{}: target \"{}\" is not one of the task's options", t.where(r, target_col), target));
    s.target = static_cast<metrics::Label>(*ti);
    if (auto [it, fresh] = seen.emplace(std::pair{s.index, s.target}, r); !fresh)
      throw Error(
          fmt::format("{}: a second row for grid point {} and target \"{}\" (the first is at line {}): each "
                      "(index, target) is one SCE, and a repeated one would be counted twice",
                      t.where(r, target_col), s.index, target, t.row_lines.at(it->second)));
    std::string status = status_col ? t.rows[r][*status_col] : "";
    if (status_col) check_status(t, r, *status_col);
    if (!status.empty() && status != "ok" && status != "off_grid") {
      s.status = status;  // a parse failure recorded upstream
    } else {
      read_sce_values(g, t, r, sce_cols, s);
    }
    if (label_col && !t.rows[r][*label_col].empty()) {
      metrics::Label l = metrics::DecisionMap::label_of(task, t.rows[r][*label_col]);
      s.live_label = l;
    }
    out.push_back(std::move(s));
  }
  return out;
}

void write_sces(const grid::Grid& g, const metrics::DecisionMap& map, const std::vector<metrics::SceInput>& sces,
                const std::vector<metrics::SceScore>& strict, const std::vector<metrics::SceScore>& paper,
                const std::string& path, bool with_history) {
  const Table t = sce_table(g, map, sces, strict, paper, with_history);
  csv::write_file(path, t.columns, t.rows);
}

Table sce_table(const grid::Grid& g, const metrics::DecisionMap& map, const std::vector<metrics::SceInput>& sces,
                const std::vector<metrics::SceScore>& strict, const std::vector<metrics::SceScore>& paper,
                bool with_history) {
  std::vector<std::string> labels;
  for (const auto& s : sces) {
    metrics::Label orig = map.labels[s.index];
    labels.push_back(orig == metrics::kOffLabel ? map.answers[s.index] : label_text(g.task(), orig));
  }
  return sce_table(g, labels, sces, strict, paper, with_history, {});
}

Table sce_table(const grid::Grid& g, const std::vector<std::string>& original_labels,
                const std::vector<metrics::SceInput>& sces, const std::vector<metrics::SceScore>& strict,
                const std::vector<metrics::SceScore>& paper, bool with_history, const std::vector<bool>& censored) {
  const task::Task& task = g.task();
  std::vector<std::string> header = {"index"};
  for (const auto& f : task.features) header.push_back("orig_" + f.name);
  header.insert(header.end(), {"label", "target"});
  for (const auto& f : task.features) header.push_back("sce_" + f.name);
  for (const char* c : {"sce_label",
                        "status",
                        "valid",
                        "distance",
                        "d_min",
                        "rcf",
                        "rcf_a",
                        "icf",
                        "icf_a",
                        "exact_match",
                        "n_changed",
                        "closest_index",
                        "drop_reason",
                        "paper_valid",
                        "paper_distance",
                        "paper_d_min",
                        "paper_rcf",
                        "paper_rcf_a",
                        "paper_icf",
                        "paper_icf_a",
                        "paper_exact_match",
                        "paper_drop_reason"})
    header.push_back(c);
  if (with_history) header.insert(header.end(), {"history_label", "history_valid"});
  if (!censored.empty()) header.push_back("censored");
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < sces.size(); ++i) {
    const auto& s = sces[i];
    const auto& st = strict[i];
    const auto& pp = paper[i];
    std::vector<std::string> row = {std::to_string(s.index)};
    for (std::size_t j = 0; j < g.dims(); ++j) row.push_back(g.value_text(s.index, j));
    row.push_back(original_labels[i]);
    row.push_back(label_text(task, s.target));
    for (std::size_t j = 0; j < g.dims(); ++j) {
      if (s.record)
        row.push_back(g.feature(j).text((*s.record)[j]));
      else if (j < s.values.size() && s.values[j])
        row.push_back(format_number(*s.values[j]));
      else
        row.push_back("");
    }
    row.push_back(label_text(task, st.sce_label));
    row.push_back(s.status);
    row.push_back(flag(st.valid));
    for (double x : {st.distance, st.d_min, st.rcf, st.rcf_a, st.icf, st.icf_a}) row.push_back(format_number(x));
    row.push_back(flag(st.exact_match));
    row.push_back(st.n_changed >= 0 ? std::to_string(st.n_changed) : "");
    row.push_back(st.closest_index ? std::to_string(*st.closest_index) : "");
    row.push_back(st.drop_reason);
    row.push_back(flag(pp.valid));
    for (double x : {pp.distance, pp.d_min, pp.rcf, pp.rcf_a, pp.icf, pp.icf_a}) row.push_back(format_number(x));
    row.push_back(flag(pp.exact_match));
    row.push_back(pp.drop_reason);
    if (with_history) {
      row.push_back(!s.history_label ? "" : *s.history_label >= 0 ? label_text(task, *s.history_label) : "NA");
      row.push_back(s.history_label ? flag(*s.history_label == s.target) : "");
    }
    if (!censored.empty()) row.push_back(censored[i] ? "1" : "0");
    rows.push_back(std::move(row));
  }
  return {"sces.csv", std::move(header), std::move(rows), {}};
}

}  // namespace sceval::results

namespace sceval::results {
namespace {

double number_cell(const Table& t, std::size_t r, std::size_t c) {
  const std::string& s = t.rows[r][c];
  if (s.empty()) return metrics::kNaN;
  auto v = as_number(s);
  if (!v) throw Error(fmt::format("{}: expected a number, got \"{}\"", t.where(r, c), s));
  return *v;
}

std::optional<bool> flag_cell(const Table& t, std::size_t r, std::size_t c) {
  const std::string& s = t.rows[r][c];
  if (s.empty()) return std::nullopt;
  if (s == "1") return true;
  if (s == "0") return false;
  throw Error(fmt::format("{}: expected 1, 0 or empty, got \"{}\"", t.where(r, c), s));
}

}  // namespace

std::vector<ScoredRow> read_scored_sces(const std::string& path, metrics::Mode mode) {
  Table t = csv::read_file(path);
  const std::string p = mode == metrics::Mode::Paper ? "paper_" : "";
  auto col = [&](const std::string& n) { return t.require_column(n); };
  const std::size_t index = col("index"), target = col("target"), valid = col(p + "valid"),
                    distance = col(p + "distance"), d_min = col(p + "d_min"), rcf = col(p + "rcf"),
                    rcf_a = col(p + "rcf_a"), icf = col(p + "icf"), icf_a = col(p + "icf_a"),
                    exact = col(p + "exact_match"), drop = col(p + "drop_reason");
  auto changed = t.column("n_changed");
  std::vector<ScoredRow> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    ScoredRow row;
    const std::string& iv = t.rows[r][index];
    auto [ip, iec] = std::from_chars(iv.data(), iv.data() + iv.size(), row.index);
    if (iec != std::errc() || ip != iv.data() + iv.size())
      throw Error(fmt::format("{}: expected a grid index, got \"{}\"", t.where(r, index), iv));
    row.target = t.rows[r][target];
    auto& s = row.score;
    s.drop_reason = t.rows[r][drop];
    s.kept = s.drop_reason.empty();
    s.valid = flag_cell(t, r, valid);
    s.distance = number_cell(t, r, distance);
    s.d_min = number_cell(t, r, d_min);
    s.rcf = number_cell(t, r, rcf);
    s.rcf_a = number_cell(t, r, rcf_a);
    s.icf = number_cell(t, r, icf);
    s.icf_a = number_cell(t, r, icf_a);
    s.exact_match = flag_cell(t, r, exact);
    if (changed && !t.rows[r][*changed].empty()) {
      const double n = number_cell(t, r, *changed);
      if (!(n >= 0 && n <= 1e6) || n != std::floor(n))
        throw Error(fmt::format("{}: expected a count of changed features, got \"{}\"", t.where(r, *changed),
                                t.rows[r][*changed]));
      s.n_changed = static_cast<int>(n);
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace sceval::results
