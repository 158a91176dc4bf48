#include "simulate/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "common/error.h"
#include "common/file.h"
#include "results/results_json.h"
#include "simulate/merge.h"

namespace sceval::simulate {

namespace {

using Point = std::pair<std::size_t, std::size_t>;  // (reference, counterfactual)
using Rows = std::vector<const Prediction*>;

// Every answer text of both tables: the two audits' tasks are the same, but only their texts are
// needed to tell a right prediction from a wrong one.
std::vector<std::string> answer_texts(const Table& a, const Table& b) {
  std::set<std::string> texts;
  for (const Table* t : {&a, &b})
    for (const char* c : {"reference_answer", "target_answer", "prediction_without", "prediction_with", "sce_target"}) {
      if (!t->column(c)) continue;  // sce_target is absent from audits written before k-way rows
      const auto col = *t->column(c);
      for (const auto& row : t->rows)
        if (!row.at(col).empty()) texts.insert(row[col]);
    }
  return {texts.begin(), texts.end()};
}

std::set<Point> points(const TableRows& t, const Table& csv) {
  std::set<Point> out;
  const auto cf = csv.require_column("counterfactual_index");
  for (std::size_t r = 0; r < t.rows.size(); ++r) out.insert({t.rows[r].reference, std::stoull(csv.rows[r][cf])});
  return out;
}

void refuse_other_points(const Audit& a, const std::set<Point>& pa, const Audit& b, const std::set<Point>& pb) {
  if (pa == pb) return;
  for (const auto& [x, px, y, py] : {std::tuple{&a, &pa, &b, &pb}, std::tuple{&b, &pb, &a, &pa}})
    for (const auto& p : *px)
      if (!py->contains(p))
        throw Error(
            fmt::format("{} and {} audit different points ({} and {} (reference, counterfactual) pairs; reference {}, "
                        "counterfactual {} is in {} only): compare audits of one run with the same --sample, --seed, "
                        "--hamming and --per-point",
                        a.name, b.name, pa.size(), pb.size(), p.first, p.second, x->name));
}

std::map<std::size_t, Rows> by_reference(const TableRows& t, std::size_t kind) {
  std::map<std::size_t, Rows> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    if (t.kind[r] == kind) out[t.rows[r].reference].push_back(&t.rows[r]);
  return out;
}

// B - A of one kind, and its CIs: each resample draws reference points (of `refs`) with replacement
// and takes the rows of both audits there, so the two sides of a draw are paired.
nlohmann::json compare_kind(const std::map<std::size_t, Rows>& a, const std::map<std::size_t, Rows>& b,
                            const std::vector<std::size_t>& refs, const CiSettings& ci) {
  auto gather = [&](const std::map<std::size_t, Rows>& side, const std::vector<std::size_t>& chosen) {
    Rows out;
    for (auto k : chosen)
      if (auto it = side.find(refs[k]); it != side.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    return out;
  };
  std::vector<std::size_t> all(refs.size());
  for (std::size_t k = 0; k < refs.size(); ++k) all[k] = k;
  const Accuracy x = accuracy(gather(a, all)), y = accuracy(gather(b, all));
  std::map<std::string, std::vector<double>> draws;
  for_each_resample(refs.size(), ci, [&](const std::vector<std::size_t>& drawn) {
    const Accuracy dx = accuracy(gather(a, drawn)), dy = accuracy(gather(b, drawn));
    draws["accuracy_with"].push_back(dy.with - dx.with);
    draws["gain"].push_back(dy.gain - dx.gain);
    draws["nsg"].push_back(dy.nsg - dx.nsg);
  });
  using results::number_or_null;
  nlohmann::json j = {{"a", accuracy_json(x)},
                      {"b", accuracy_json(y)},
                      {"difference",
                       {{"accuracy_with", number_or_null(y.with - x.with)},
                        {"gain", number_or_null(y.gain - x.gain)},
                        {"nsg", number_or_null(y.nsg - x.nsg)}}},
                      {"ci", nlohmann::json::object()}};
  for (const auto& [k, v] : draws) {
    const auto [lo, hi] = percentile_interval(v, ci.level);
    j["ci"][k] = {number_or_null(lo), number_or_null(hi)};
  }
  return j;
}

}  // namespace

nlohmann::json compare_audits(const Audit& a, const Audit& b, const CiSettings& ci) {
  const auto options = answer_texts(a.csv, b.csv);
  const auto ka = audit_kinds(a.json), kb = audit_kinds(b.json);
  const auto ra = read_rows(a.csv, options, ka, audit_observers(a.json));
  const auto rb = read_rows(b.csv, options, kb, audit_observers(b.json));
  const auto pa = points(ra, a.csv), pb = points(rb, b.csv);
  refuse_other_points(a, pa, b, pb);
  std::set<std::size_t> ref_set;
  for (const auto& p : pa) ref_set.insert(p.first);
  const std::vector<std::size_t> refs(ref_set.begin(), ref_set.end());
  nlohmann::json out = {{"kind", "simulate_compare"},
                        {"a", a.name},
                        {"b", b.name},
                        {"n_references", refs.size()},
                        {"n_items", pa.size()},
                        {"bootstrap", ci.resamples},
                        {"seed", ci.seed},
                        {"metrics", nlohmann::json::object()},
                        {"kinds_only_in", nlohmann::json::object()}};
  for (std::size_t i = 0; i < ka.size(); ++i) {
    const auto j = std::find(kb.begin(), kb.end(), ka[i]);
    if (j == kb.end()) {
      out["kinds_only_in"][ka[i]] = "a";
      continue;
    }
    out["metrics"][ka[i]] =
        compare_kind(by_reference(ra, i), by_reference(rb, static_cast<std::size_t>(j - kb.begin())), refs, ci);
  }
  for (const auto& k : kb)
    if (std::find(ka.begin(), ka.end(), k) == ka.end()) out["kinds_only_in"][k] = "b";
  return out;
}

Audit read_audit(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path json = path_type(path) == fs::file_type::directory ? fs::path(path) / "simulate.json" : fs::path(path);
  if (!path_exists(json))
    throw Error(fmt::format("{}: no simulate.json: not a finished simulatability audit (sceval simulate -o)", path));
  Audit a;
  a.name = path;
  a.json = results::read_json(json.string());
  if (!a.json.is_object() || a.json.value("kind", "") != "simulate")
    throw Error(fmt::format("{}: not the simulate.json of a sceval simulate audit", json.string()));
  a.csv = Table::read_csv((json.parent_path() / "simulate.csv").string());
  return a;
}

}  // namespace sceval::simulate
