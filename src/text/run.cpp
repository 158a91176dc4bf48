#include "text/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include "common/error.h"
#include "experiment/stages.h"
#include "results/results_json.h"
#include "text/answer.h"
#include "text/audit.h"
#include "text/ddmin.h"
#include "text/edit.h"

namespace sceval::text {

namespace {

using experiment::Asker;
using experiment::RunSettings;
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Answer answer_of(const TextTask& t, const llm::Generation& g) {
  if (g.finish == llm::FinishReason::Error) return {-1, "", "request_failed"};
  const ParsedAnswer p = parse_answer(t, g.text);
  return {p.label, p.text, p.reason};
}

// All items, a seeded sample of them (kept in file order), then the first --limit: as grid points.
std::vector<std::size_t> select_items(const TextTask& t, const RunSettings& s) {
  const auto picked = experiment::select_indices(t.items.size(), s);
  return {picked.begin(), picked.end()};
}

// A samples.jsonl line's tags: the row's item and requested label, and the stage's own.
nlohmann::json tag(const TextTask& t, const AuditRow& r, const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json j = {{"id", t.items[r.item].id}, {"target", t.options[static_cast<std::size_t>(r.target)]}};
  j.update(extra);
  return j;
}

// Steps 2-3: the counterfactual request in the prediction's chat, then the revision asked afresh
// and in that chat.
void ask_counterfactuals(const TextTask& t, const RunSettings& s, std::vector<AuditRow>& rows,
                         const std::vector<std::string>& turn1, Asker& asker) {
  const auto sampling = experiment::sampling_for(shim(t), s);
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  for (const auto& r : rows) {
    const Item& item = t.items[r.item];
    reqs.push_back(
        {counterfactual_messages(t, item, turn1[r.item], t.options[static_cast<std::size_t>(r.target)]), sampling});
    tags.push_back(tag(t, rows[tags.size()]));
  }
  const auto gens = asker.ask("text_counterfactual", reqs, tags);
  std::vector<llm::GenerationRequest> checks;
  std::vector<nlohmann::json> check_tags;
  std::vector<std::size_t> asked;
  for (std::size_t n = 0; n < rows.size(); ++n) {
    AuditRow& r = rows[n];
    const Item& item = t.items[r.item];
    if (gens[n].finish == llm::FinishReason::Error) {
      r.generated_reason = "request_failed";
      continue;
    }
    const ParsedRevision p = parse_revision(t, gens[n].text);
    r.revised = p.text;
    r.generated_reason = !p.found                             ? p.reason
                         : p.text == item.text                ? "unchanged"
                         : code_points(p.text) < t.min_length ? "too_short"
                                                              : "";
    r.generated = r.generated_reason.empty();
    if (!r.generated) continue;
    Conversation history = reqs[n].messages;
    history.push_back({"assistant", gens[n].text});
    history.push_back({"user", reask_messages(t, item, r.revised).back().content});
    checks.push_back({reask_messages(t, item, r.revised), sampling});
    checks.push_back({std::move(history), sampling});
    check_tags.push_back(tag(t, r, {{"context", "fresh"}}));
    check_tags.push_back(tag(t, r, {{"context", "history"}}));
    asked.push_back(n);
  }
  const auto answers = asker.ask("text_validity", checks, check_tags);
  for (std::size_t m = 0; m < asked.size(); ++m) {
    rows[asked[m]].fresh = answer_of(t, answers[2 * m]);
    rows[asked[m]].history = answer_of(t, answers[2 * m + 1]);
  }
}

// Step 4: edit measures of every generated SCE; the minimal flipping sub-edit of every valid one
// whose item has another option as its own label (so the original is known not to flip).
void search_minimal_edits(const TextTask& t, const RunSettings& s, std::vector<AuditRow>& rows, Asker& asker) {
  std::vector<EditScript> scripts(rows.size());
  std::vector<std::pair<std::size_t, Ddmin>> searches;
  for (std::size_t n = 0; n < rows.size(); ++n) {
    AuditRow& r = rows[n];
    if (!r.generated) continue;
    const std::string& original = t.items[r.item].text;
    r.levenshtein = levenshtein(original, r.revised);
    r.levenshtein_normalized = levenshtein_normalized(original, r.revised);
    scripts[n] = diff(original, r.revised);
    r.hunks = scripts[n].hunks.size();
    for (const auto& h : scripts[n].hunks) r.words += h.words();
    if (r.valid() != true || r.original.label < 0 || r.original.label == r.target) continue;
    r.searched = true;
    searches.emplace_back(n, Ddmin(r.hunks, s.max_queries_per_point));
  }
  const auto sampling = experiment::sampling_for(shim(t), s);
  for (std::size_t round = 1;; ++round) {
    std::vector<llm::GenerationRequest> reqs;
    std::vector<nlohmann::json> tags;
    std::vector<std::pair<std::size_t, Subset>> asked;  // (search, subset)
    for (std::size_t k = 0; k < searches.size(); ++k) {
      const auto& [n, search] = searches[k];
      for (auto& subset : search.pending()) {
        reqs.push_back({reask_messages(t, t.items[rows[n].item], scripts[n].apply_subset(subset)), sampling});
        tags.push_back(tag(t, rows[n], {{"round", round}, {"hunks", subset}}));
        asked.emplace_back(k, std::move(subset));
      }
    }
    if (reqs.empty()) break;
    const auto answers = asker.ask("text_minimal_edit", reqs, tags);
    for (std::size_t m = 0; m < asked.size(); ++m) {  // a flip: the partial revision gets the requested label
      auto& [n, search] = searches[asked[m].first];
      search.record(asked[m].second, answer_of(t, answers[m]).label == rows[n].target);
    }
    for (auto& [n, search] : searches) search.advance();
  }
  for (auto& [n, search] : searches) {
    AuditRow& r = rows[n];
    r.censored = search.censored();
    r.queries = search.queries();
    r.minimal_hunks = search.result().size();
    r.minimal_words = scripts[n].words(search.result());
    r.minimal_text = scripts[n].apply_subset(search.result());
    r.minimal_levenshtein = levenshtein(t.items[r.item].text, r.minimal_text);
  }
}

}  // namespace

task::Task shim(const TextTask& t) {
  task::Task s;
  s.name = t.name;
  s.title = t.title;
  s.path = t.path;
  s.options = t.options;
  s.stop = t.stop;
  s.system_prompt = t.system_prompt;
  return s;
}

void check_run(const experiment::RunSettings& s) {
  std::vector<std::string> grid_only;
  if (s.decision_map != experiment::DecisionMapMode::Generate)
    grid_only.push_back(
        fmt::format("--decision-map {}", experiment::kDecisionMapNames[static_cast<int>(s.decision_map)]));
  if (s.distance) grid_only.push_back("--distance");
  if (!s.live_off_grid) grid_only.push_back("--no-live-check");
  if (!grid_only.empty())
    throw Error(
        fmt::format("{}: grid tasks only (a text audit generates every answer, measures edits in "
                    "characters and words, and has no grid to fall off); leave {} out for a text task",
                    fmt::join(grid_only, ", "), grid_only.size() == 1 ? "it" : "them"));
}

experiment::RunReport run(const TextTask& t, const RunSettings& s, llm::Backend& backend, experiment::RunOutput& out,
                          const nlohmann::json& model_info, const experiment::Progress& progress) {
  experiment::SampleLog log(out);
  Asker asker{backend, std::max<std::size_t>(1, s.chunk), log, progress};
  const auto sampling = experiment::sampling_for(shim(t), s);
  auto t0 = Clock::now();
  const std::vector<std::size_t> items = select_items(t, s);

  // Step 1: the prediction of every selected item, each in a fresh chat.
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  for (std::size_t i : items) {
    reqs.push_back({prediction_messages(t, t.items[i], t.items[i].text), sampling});
    tags.push_back({{"id", t.items[i].id}});
  }
  const auto gens = asker.ask("text_prediction", reqs, tags);
  std::vector<std::string> turn1(t.items.size());
  std::vector<Answer> predictions(t.items.size());
  for (std::size_t m = 0; m < items.size(); ++m) {
    turn1[items[m]] = gens[m].text;
    predictions[items[m]] = answer_of(t, gens[m]);
  }
  std::vector<Answer> selected;
  for (std::size_t i : items) selected.push_back(predictions[i]);
  out.put("decision_map.csv", prediction_table(t, items, selected).to_csv());

  // The requested labels as for grid points: the complement (binary), one seeded other label or all
  // others (k-way), a seeded random option for an unusable prediction.
  const std::vector<grid::Index> points(items.begin(), items.end());
  std::vector<AuditRow> rows;
  for (const auto& f : experiment::complements(
           shim(t), [&](grid::Index i) { return static_cast<metrics::Label>(predictions[i].label); }, points, s)) {
    AuditRow r;
    r.item = static_cast<std::size_t>(f.index);
    r.original = predictions[r.item];
    r.target = static_cast<int>(f.target);
    rows.push_back(std::move(r));
  }
  ask_counterfactuals(t, s, rows, turn1, asker);
  search_minimal_edits(t, s, rows, asker);

  experiment::RunReport report;
  report.requests = asker.calls;
  report.failed_requests = asker.failures;
  nlohmann::json task_json = {{"name", t.name},
                              {"title", t.title},
                              {"path", t.path},
                              {"input", "text"},
                              {"options", t.options},
                              {"items", t.items.size()},
                              {"items_path", t.items_path},
                              {"answer_format", t.format == AnswerFormat::Json ? "json" : "markers"}};
  nlohmann::json settings = s.recorded;
  settings["min_length"] = t.min_length;
  report.results = {{"schema_version", 1},
                    {"protocol", "text"},
                    {"task", task_json},
                    {"settings", settings},
                    {"model", model_info.is_null() ? nlohmann::json(nullptr) : model_info},
                    {"timing", {{"seconds", since(t0)}}},
                    {"requests", {{"total", asker.calls}, {"failed", asker.failures}}},
                    {"complete", asker.failures == 0},
                    {"text", metrics_json(t, rows, s.bootstrap)}};
  out.put("sces.csv", sce_table(t, rows).to_csv());
  out.put("results.json", results::json_text(report.results));  // last: its presence marks a complete run
  out.commit();
  return report;
}

}  // namespace sceval::text
