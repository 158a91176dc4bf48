// The lazy run: choosing the mode, the audited points, and the run directory it writes (lazy.h).
#include "experiment/lazy.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>

#include "common/csv.h"
#include "common/error.h"
#include "results/results_json.h"
#include "results/sce_csv.h"

namespace sceval::experiment {
namespace {

// select_points() holds one index per grid point; above this it is not used.
constexpr grid::Index kSelectablePoints = grid::Index{1} << 24;

std::size_t audited_points(const grid::Grid& g, const RunSettings& s) {
  std::size_t n = g.size() > std::numeric_limits<std::size_t>::max() ? std::numeric_limits<std::size_t>::max()
                                                                     : static_cast<std::size_t>(g.size());
  if (s.sample) n = std::min(n, *s.sample);
  if (s.limit) n = std::min(n, *s.limit);
  return n;
}

// A full map asks every grid point once; a lazy audit asks per row at most the budget (the d_min
// search; an invalid SCE's boundary search may add as much again). When the grid costs no more than
// the rows' budgets, the full map is never the dearer one, and it also gives what lazy mode cannot:
// paper-mode metrics, baselines and the whole map for the report. The searches' typical length is
// unknown before asking, so the bound is the budget, not a guess.
bool full_map_is_cheaper(const grid::Grid& g, const RunSettings& s) {
  const double lazy_bound = static_cast<double>(audited_points(g, s)) * static_cast<double>(s.max_queries_per_point);
  return static_cast<double>(g.size()) <= lazy_bound;
}

std::string label_text(const task::Task& t, metrics::Label l, const AskedLabels& asked, grid::Index i) {
  if (l == metrics::kOffLabel) return asked.off_label_answer.count(i) ? asked.off_label_answer.at(i) : "";
  return l >= 0 ? t.options[l] : "";
}

// The asked points in the decision-map CSV format (README "File formats"): points without a row
// were not asked; an NA answer is an empty label, as in a full map.
Table queried_points(const grid::Grid& g, const AskedLabels& asked) {
  std::vector<std::string> header = {"index"};
  for (const auto& f : g.task().features) header.push_back(f.name);
  header.push_back("label");
  std::vector<grid::Index> idx;
  for (const auto& [i, l] : asked.label) idx.push_back(i);
  std::sort(idx.begin(), idx.end());
  std::vector<std::vector<std::string>> rows;
  for (grid::Index i : idx) {
    std::vector<std::string> row = {std::to_string(i)};
    for (std::size_t j = 0; j < g.dims(); ++j) row.push_back(g.value_text(i, j));
    const metrics::Label l = asked.at(i);
    row.push_back(l == metrics::kNA ? "" : label_text(g.task(), l, asked, i));
    rows.push_back(std::move(row));
  }
  return {"decision_map.csv", std::move(header), std::move(rows), {}};
}

double percentile(std::vector<std::size_t> v, double q) {
  if (v.empty()) return metrics::kNaN;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)]);
}

nlohmann::json decision_map_block(const task::Task& t, const grid::Grid& g, const RunSettings& s, const LazyAudit& a) {
  std::vector<std::size_t> q;  // rows that needed a search
  nlohmann::json censored_rows = nlohmann::json::array();
  for (std::size_t r = 0; r < a.sces.size(); ++r) {
    if (a.queries[r]) q.push_back(a.queries[r]);
    if (a.censored[r])
      censored_rows.push_back({{"index", a.sces[r].index},
                               {"target", t.options[a.sces[r].target]},
                               {"d_min_above", results::number_or_null(a.radius[r])}});
  }
  std::size_t total = 0;
  for (auto n : q) total += n;
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& o : t.options) labels[o] = 0;
  labels["NA"] = 0, labels["off_label"] = 0;
  for (const auto& [i, l] : a.asked.label) {
    auto& n = labels[l >= 0 ? t.options[l] : l == metrics::kNA ? "NA" : "off_label"];
    n = n.get<std::size_t>() + 1;
  }
  return {{"mode", "lazy"},
          {"grid_points", g.size()},
          {"queried_points", a.asked.label.size()},
          {"labels", labels},
          {"max_queries_per_point", s.max_queries_per_point},
          {"rounds", a.rounds},
          {"queries",
           {{"definition", "grid points whose labels a row's searches took (asked, or reused from another row)"},
            {"total", total},
            {"mean", q.empty() ? nlohmann::json(nullptr)
                               : nlohmann::json(static_cast<double>(total) / static_cast<double>(q.size()))},
            {"p50", results::number_or_null(percentile(q, 0.5))},
            {"max", q.empty() ? 0 : *std::max_element(q.begin(), q.end())}}},
          {"censored", {{"count", censored_rows.size()}, {"rows", censored_rows}}}};
}

}  // namespace

bool wants_lazy(const RunSettings& s, const grid::Grid& g) {
  if (s.decision_map == DecisionMapMode::Lazy) return true;
  if (s.decision_map != DecisionMapMode::Auto) return false;
  // A full map of this size cannot even be held (one request per point): lazy, which then asks for
  // --sample/--limit if they are missing.
  if (g.size() > kSelectablePoints) return true;
  return !full_map_is_cheaper(g, s);
}

void require_lazy_selection(const grid::Grid& g, const RunSettings& s) {
  if (g.size() <= kSelectablePoints) return;
  if (!s.sample && !s.limit)
    throw Error(fmt::format("the grid of task {} has {} points: a lazy audit needs --sample N or --limit N",
                            g.task().name, g.size()));
  // The selection is held in memory (a --sample draw in a set: about 64 bytes a point).
  grid::require_memory(
      static_cast<double>(audited_points(g, s)) * (s.sample ? 64 : sizeof(grid::Index)),
      fmt::format("the {} points selected by {}", audited_points(g, s), s.sample ? "--sample" : "--limit"));
}

std::vector<grid::Index> select_points_lazy(const grid::Grid& g, const RunSettings& s) {
  if (g.size() <= kSelectablePoints) return select_points(g, s);
  require_lazy_selection(g, s);  // a huge grid: --sample or --limit is given
  if (s.sample) {
    std::mt19937_64 rng(s.seed);
    std::set<grid::Index> drawn;
    const grid::Index wanted = std::min<grid::Index>(*s.sample, g.size());  // never loops on a small grid
    while (drawn.size() < wanted) drawn.insert(rng() % g.size());           // modulo bias < 2^-40 here
    std::vector<grid::Index> out(drawn.begin(), drawn.end());
    if (s.limit && *s.limit < out.size()) out.resize(*s.limit);
    return out;
  }
  std::vector<grid::Index> out(audited_points(g, s));  // --limit, never past the grid's end
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

RunReport run_lazy(const RunSettings& s, const task::Task& t, const grid::Grid& g, llm::Backend& backend,
                   RunOutput& out, const nlohmann::json& model_info, const Progress& progress) {
  SampleLog log(out);
  Asker asker{backend, std::max<std::size_t>(1, s.chunk), log, progress};
  const auto kind = s.distance.value_or(t.distance);
  grid::Distance exact(g, kind, grid::Arithmetic::Exact);

  const auto t0 = std::chrono::steady_clock::now();
  LazyAudit a = lazy_audit(t, g, s, exact, asker);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Minimality metrics only over rows whose searches finished; validity of all rows beside them.
  std::vector<metrics::SceScore> finished = a.strict;
  std::size_t n_censored = 0;
  for (std::size_t r = 0; r < finished.size(); ++r)
    if (a.censored[r]) finished[r].kept = false, finished[r].drop_reason = "censored", ++n_censored;
  nlohmann::json strict = results::mode_json(exact, finished, a.sces, s.bootstrap);
  if (n_censored) {
    const auto all = metrics::aggregate(a.strict);
    strict["all_rows"] = {{"definition", "validity and distance over every kept row, censored ones included"},
                          {"n", all.n},
                          {"validity", results::number_or_null(all.validity)},
                          {"mean_distance", results::number_or_null(all.mean_distance)}};
  }
  nlohmann::json paper = {{"available", false},
                          {"reason",
                           "paper mode needs the full decision map (its float32 tie rule and its "
                           "dropping of NA cells are defined on the whole map): run with --decision-map generate"}};

  RunReport report;
  report.requests = asker.calls;
  report.failed_requests = asker.failures;
  nlohmann::json extra = {
      {"settings", s.to_json()},
      {"model", model_info},
      {"timing", {{"lazy_audit_seconds", seconds}}},
      {"requests", {{"total", asker.calls}, {"failed", asker.failures}}},
      {"complete", asker.failures == 0},
      {"baselines", {{"available", false}, {"reason", "baselines need the full decision map"}}},
  };
  if (!t.stop.empty()) extra["settings"]["sampling"]["stop"] = t.stop;
  report.results = results::results_json(t, g, metrics::DecisionMap{}, kind, paper, strict, s.bootstrap, extra);
  report.results["modes"] = {"strict"};
  report.results["decision_map"] = decision_map_block(t, g, s, a);

  std::vector<std::string> originals;
  for (const auto& x : a.sces) originals.push_back(label_text(t, a.asked.at(x.index), a.asked, x.index));
  std::vector<metrics::SceScore> no_paper(a.sces.size());
  for (auto& p : no_paper) p.drop_reason = "needs_full_map";
  const auto text = [](const Table& x) { return csv::to_text(x.columns, x.rows); };
  out.put("decision_map.csv", text(queried_points(g, a.asked)));
  out.put("sces.csv", text(results::sce_table(g, originals, a.sces, a.strict, no_paper, s.with_history, a.censored)));
  out.put("results.json", results::json_text(report.results));  // last: its presence marks a complete directory
  out.commit();                                                 // the finished run replaces the folder's earlier one
  return report;
}

}  // namespace sceval::experiment
