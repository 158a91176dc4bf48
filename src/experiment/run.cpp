#include "experiment/run.h"

#include <fmt/format.h>

#include <chrono>

#include "experiment/baselines.h"
#include "experiment/lazy.h"
#include "experiment/stages.h"
#include "grid/distance.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "results/sce_csv.h"

namespace sceval::experiment {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
std::string csv_text(const Table& t) { return csv::to_text(t.columns, t.rows); }

// --with-history, beside the fresh-context metrics: of the SCEs asked in their own chat, how many
// the model labels as the target there, and how often that agrees with the fresh-context label.
nlohmann::json with_history_metrics(const std::vector<metrics::SceInput>& sces,
                                    const std::vector<metrics::SceScore>& fresh) {
  std::size_t n = 0, valid = 0, compared = 0, agree = 0, fresh_valid = 0;
  for (std::size_t i = 0; i < sces.size(); ++i) {
    if (!sces[i].history_label) continue;
    ++n;
    valid += *sces[i].history_label == sces[i].target;
    if (fresh[i].sce_label >= 0) {
      ++compared;
      agree += fresh[i].sce_label == *sces[i].history_label;
      fresh_valid += fresh[i].sce_label == sces[i].target;
    }
  }
  auto rate = [](std::size_t k, std::size_t d) {
    return d ? nlohmann::json(static_cast<double>(k) / static_cast<double>(d)) : nlohmann::json(nullptr);
  };
  return {{"definition",
           "each parsed SCE asked again in the chat that produced it (after its reply); validity = "
           "the label given there is the target. Fresh-context metrics stay under paper/strict."},
          {"n", n},
          {"valid", valid},
          {"validity", rate(valid, n)},
          {"n_with_fresh_label", compared},
          {"agreement_with_fresh", rate(agree, compared)},
          {"fresh_validity_same_sces", rate(fresh_valid, compared)}};
}

}  // namespace

void check_run(const task::Task& t, const grid::Grid& g, const RunSettings& s) {
  if (wants_lazy(s, g)) return require_lazy_selection(g, s);
  require_full_map_memory(t, g, s);
}

RunReport run(const task::Task& t, const RunSettings& s, llm::Backend& backend, RunOutput& out,
              const nlohmann::json& model_info, const Progress& progress) {
  grid::Grid g(t);
  if (wants_lazy(s, g)) return run_lazy(s, t, g, backend, out, model_info, progress);
  SampleLog log(out);
  Asker asker{backend, std::max<std::size_t>(1, s.chunk), log, progress};
  nlohmann::json timing;

  auto t0 = Clock::now();
  DecisionMapResult dm = s.decision_map != DecisionMapMode::Score  // auto that chose the full map: generate
                             ? generate_decision_map(t, g, s, asker)
                             : score_decision_map(t, g, s, backend, progress);
  timing["decision_map_seconds"] = since(t0);
  out.put("decision_map.csv", csv_text(results::decision_map_table(g, dm.map)));  // written before moving on

  t0 = Clock::now();
  auto points = select_points(g, s);
  auto fus = complements(t, dm.map, points, s);
  auto sces = ask_followups(t, g, s, dm, fus, asker);
  timing["followup_seconds"] = since(t0);

  const auto kind = s.distance.value_or(t.distance);
  grid::Distance paper_dist(g, kind, grid::Arithmetic::Paper), exact_dist(g, kind, grid::Arithmetic::Exact);
  metrics::Scorer paper(paper_dist, dm.map, metrics::Mode::Paper), strict(exact_dist, dm.map, metrics::Mode::Strict);
  std::vector<metrics::SceScore> ps, ss;
  for (const auto& x : sces) ps.push_back(paper.score(x)), ss.push_back(strict.score(x));

  RunReport report;
  report.requests = asker.calls;
  report.failed_requests = asker.failures;
  std::size_t live = 0;
  for (const auto& x : sces) live += x.live_label.has_value();
  nlohmann::json extra = {
      {"settings", s.recorded},
      {"model", model_info},
      {"timing", timing},
      {"requests", {{"total", asker.calls}, {"failed", asker.failures}, {"live_checks", live}}},
      {"complete", asker.failures == 0},
      {"baselines", baselines_json(g, dm.map, kind, baseline_rows(sces), s.seed, s.bootstrap)},
  };
  report.results = results::results_json(t, g, dm.map, kind, results::mode_json(paper_dist, ps, sces, s.bootstrap),
                                         results::mode_json(exact_dist, ss, sces, s.bootstrap), s.bootstrap, extra);
  if (s.with_history) report.results["with_history"] = with_history_metrics(sces, ss);
  out.put("sces.csv", csv_text(results::sce_table(g, dm.map, sces, ss, ps, s.with_history)));
  out.put("results.json", results::json_text(report.results));  // last: its presence marks a complete directory
  out.commit();                                                 // the finished run replaces the folder's earlier one
  return report;
}

}  // namespace sceval::experiment
