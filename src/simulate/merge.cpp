#include "simulate/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "common/error.h"
#include "results/results_json.h"

namespace sceval::simulate {

namespace {

// "file:LINE, column 'NAME'"; a table built in code counts row r as line r + 2, as in its file.
std::string where(const Table& csv, std::size_t row, std::size_t col) {
  if (csv.row_lines.size() == csv.rows.size()) return csv.where(row, col);
  return fmt::format("{}:{}, column '{}'", csv.source, row + 2, csv.columns.at(col));
}

std::size_t position(const std::vector<std::string>& list, const std::string& x, const Table& csv, std::size_t row,
                     std::size_t col) {
  const auto it = std::find(list.begin(), list.end(), x);
  if (it == list.end()) throw Error(fmt::format("{}: \"{}\" is not one of this audit's", where(csv, row, col), x));
  return static_cast<std::size_t>(it - list.begin());
}

std::size_t number(const Table& csv, std::size_t row, std::size_t col) {
  const std::string& x = csv.rows[row][col];
  try {
    std::size_t used = 0;
    const auto v = std::stoull(x, &used);
    if (used == x.size()) return static_cast<std::size_t>(v);
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("{}: expected a non-negative integer, got \"{}\"", where(csv, row, col), x));
}

std::optional<bool> flag(const Table& csv, std::size_t row, std::size_t col) {
  const std::string& x = csv.rows[row][col];
  if (x.empty()) return std::nullopt;
  if (x == "1" || x == "0") return x == "1";
  throw Error(fmt::format("{}: expected 1, 0 or empty, got \"{}\"", where(csv, row, col), x));
}

}  // namespace

TableRows read_rows(const Table& csv, const std::vector<std::string>& options, const std::vector<std::string>& kinds,
                    const std::vector<std::string>& observers) {
  std::map<std::string, std::size_t> col;
  for (const char* c :
       {"reference_index", "counterfactual_index", "hamming", "reference_answer", "target_answer", "observer",
        "explanation", "prediction_without", "prediction_with", "sce_valid", "sce_exact_minimal"})
    col[c] = csv.require_column(c);
  // Audits written before k-way runs had one row per SCE have no sce_target column: one SCE each.
  const auto sce_target = csv.column("sce_target");
  if (sce_target) col["sce_target"] = *sce_target;
  // An empty cell is no option (a prediction that counts as wrong); any other text must be one.
  auto label = [&](std::size_t r, const char* c) -> metrics::Label {
    const std::string& x = csv.rows[r][col[c]];
    return x.empty() ? metrics::kNA : static_cast<metrics::Label>(position(options, x, csv, r, col[c]));
  };
  TableRows out;
  out.rows.resize(csv.rows.size());
  out.observer.resize(csv.rows.size());
  out.kind.resize(csv.rows.size());
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> items;  // (reference, counterfactual) -> item
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    Prediction& p = out.rows[r];
    p.reference = number(csv, r, col["reference_index"]);
    const auto cf = number(csv, r, col["counterfactual_index"]);
    p.item = items.try_emplace({p.reference, cf}, items.size()).first->second;
    p.hamming = number(csv, r, col["hamming"]);
    p.reference_label = label(r, "reference_answer");
    p.truth = label(r, "target_answer");
    p.without = label(r, "prediction_without");
    p.with = label(r, "prediction_with");
    p.sce_valid = flag(csv, r, col["sce_valid"]);
    p.sce_exact_minimal = flag(csv, r, col["sce_exact_minimal"]);
    if (sce_target) p.sce_target = label(r, "sce_target");
    out.observer[r] = position(observers, csv.rows[r][col["observer"]], csv, r, col["observer"]);
    out.kind[r] = position(kinds, csv.rows[r][col["explanation"]], csv, r, col["explanation"]);
  }
  return out;
}

nlohmann::json metrics_of_table(const Table& csv, const task::Task& t, const std::vector<std::string>& kinds,
                                const std::vector<std::string>& observers, const CiSettings& ci) {
  const auto table = read_rows(csv, t.options, kinds, observers);
  const auto& rows = table.rows;
  const auto& observer_of = table.observer;
  const auto& kind_of = table.kind;
  nlohmann::json m = nlohmann::json::object();
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    const bool sce = kinds[k] == "sce";
    std::vector<const Prediction*> pooled;
    nlohmann::json by_observer = nlohmann::json::object();
    for (std::size_t o = 0; o < observers.size(); ++o) {
      std::vector<const Prediction*> group;
      for (std::size_t r = 0; r < rows.size(); ++r)
        if (observer_of[r] == o && kind_of[r] == k) group.push_back(&rows[r]);
      by_observer[observers[o]] = group_metrics(group, ci, sce);
      pooled.insert(pooled.end(), group.begin(), group.end());
    }
    m[kinds[k]] = {{"observers", by_observer},
                   {"pooled", group_metrics(pooled, ci, sce)},
                   {"egregious_rate_with", results::number_or_null(egregious_rate(pooled, true))},
                   {"egregious_rate_without", results::number_or_null(egregious_rate(pooled, false))}};
  }
  return m;
}

void sort_rows(Table& csv, const std::vector<std::string>& kinds, const std::vector<std::string>& observers) {
  const std::size_t o = csv.require_column("observer"), k = csv.require_column("explanation"),
                    ri = csv.require_column("reference_index"), ci = csv.require_column("counterfactual_index");
  std::vector<std::tuple<std::size_t, std::size_t, std::size_t, std::size_t>> key(csv.rows.size());
  for (std::size_t r = 0; r < csv.rows.size(); ++r)
    key[r] = {position(observers, csv.rows[r][o], csv, r, o), position(kinds, csv.rows[r][k], csv, r, k),
              number(csv, r, ri), number(csv, r, ci)};
  std::vector<std::size_t> order(csv.rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key[a] < key[b]; });
  std::vector<std::vector<std::string>> sorted;
  sorted.reserve(order.size());
  for (auto r : order) sorted.push_back(std::move(csv.rows[r]));
  csv.rows = std::move(sorted);
  csv.row_lines.clear();
}

std::vector<std::string> audit_observers(const nlohmann::json& j) {
  std::vector<std::string> out;
  for (const auto& o : j.at("observers")) out.push_back(o.at("name").get<std::string>());
  return out;
}

std::vector<std::string> audit_kinds(const nlohmann::json& j) {
  const auto e = j.at("settings").at("explanation").get<std::string>();
  if (e == "both") return {"free", "sce"};
  return {e};
}

Merged merge_shards(const std::vector<nlohmann::json>& jsons, const std::vector<Table>& csvs, const task::Task& t,
                    const CiSettings& ci) {
  if (jsons.empty() || jsons.size() != csvs.size()) throw Error("internal: merge_shards of no shards");
  Merged m;
  m.json = jsons.front();
  m.json["settings"].erase("shard");
  for (const char* k :
       {"n_references", "n_items", "references_without_sce", "sce_explanations", "free_explanations_untagged"})
    m.json[k] = 0;
  m.json["requests"] = {{"total", 0}, {"failed", 0}};
  bool complete = true;
  m.csv.source = "simulate.csv";
  m.csv.columns = csvs.front().columns;
  for (std::size_t s = 0; s < jsons.size(); ++s) {
    for (const char* k :
         {"n_references", "n_items", "references_without_sce", "sce_explanations", "free_explanations_untagged"})
      m.json[k] = m.json[k].get<std::size_t>() + jsons[s].value(k, std::size_t{0});
    for (const char* k : {"total", "failed"})
      m.json["requests"][k] = m.json["requests"][k].get<std::size_t>() + jsons[s]["requests"].value(k, std::size_t{0});
    complete = complete && jsons[s].value("complete", false);
    if (csvs[s].columns != m.csv.columns)
      throw Error(fmt::format("{}: other columns than the first shard's simulate.csv", csvs[s].source));
    m.csv.rows.insert(m.csv.rows.end(), csvs[s].rows.begin(), csvs[s].rows.end());
  }
  m.json["complete"] = complete;
  const auto kinds = audit_kinds(m.json);
  const auto observers = audit_observers(m.json);
  sort_rows(m.csv, kinds, observers);
  m.json["metrics"] = metrics_of_table(m.csv, t, kinds, observers, ci);
  return m;
}

}  // namespace sceval::simulate
