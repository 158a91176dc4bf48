// Asking the Gower quiz and scoring it (gower_quiz.json).
#include <fmt/format.h>

#include <filesystem>

#include "common/file.h"
#include "experiment/gower_quiz.h"
#include "experiment/stages.h"
#include "results/results_json.h"

namespace sceval::experiment {

namespace {

// A record as JSON: feature name -> value (numbers for integer features, level text otherwise).
nlohmann::json record_json(const grid::Grid& g, grid::Index i) {
  nlohmann::json r = nlohmann::json::object();
  for (std::size_t j = 0; j < g.dims(); ++j) {
    const auto& f = g.feature(j);
    if (f.type == task::FeatureType::Integer)
      r[f.name] = f.code(g.position(i, j));
    else
      r[f.name] = g.value_text(i, j);
  }
  return r;
}

}  // namespace

nlohmann::json run_gower_quiz(const QuizFile& q, const task::Task& t, const std::vector<QuizItem>& items,
                              const RunSettings& s, std::uint64_t seed, llm::Backend& backend,
                              const nlohmann::json& model_info, const Progress& progress) {
  grid::Grid g(t);
  NewFolders made(s.output);  // removed again if no answer comes (e.g. no server)
  ensure_directory(s.output);
  SampleLog log(s.output + "/samples.jsonl");
  Asker asker{backend, std::max<std::size_t>(1, s.chunk), log, progress};
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  for (std::size_t n = 0; n < items.size(); ++n) {
    Conversation chat;
    if (s.system_prompt) chat.push_back({"system", *s.system_prompt});
    chat.push_back({"user", quiz_prompt(q, t, g, items[n])});
    reqs.push_back({std::move(chat), s.sampling});
    tags.push_back({{"item", n}});
  }
  auto gens = asker.ask("gower_quiz", reqs, tags);
  made.keep();

  // Letters beyond the item's candidates are not choices.
  const std::vector<std::string> letters(
      q.letters.begin(), q.letters.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                 q.letters.size(), items.empty() ? 0 : items[0].candidates.size())));
  std::size_t answered = 0, correct = 0;
  nlohmann::json by_status = nlohmann::json::object(), out_items = nlohmann::json::array();
  for (std::size_t n = 0; n < items.size(); ++n) {
    const auto& it = items[n];
    QuizAnswer a = gens[n].finish == llm::FinishReason::Error ? QuizAnswer{"request_failed", "NA", std::nullopt}
                                                              : parse_quiz_answer(gens[n].text, letters);
    const bool is_answered = a.status == "ok" || a.status == "not_a_choice";
    const bool is_correct = a.choice && *a.choice == it.answer;
    answered += is_answered;
    correct += is_correct;
    by_status[a.status] = by_status.value(a.status, 0) + 1;
    nlohmann::json cands = nlohmann::json::array();
    for (auto c : it.candidates) cands.push_back(record_json(g, c));
    out_items.push_back({{"start_index", it.start},
                         {"candidate_indices", it.candidates},
                         {"start", record_json(g, it.start)},
                         {"candidates", cands},
                         {"distances", it.distances},
                         {"answer", it.answer},
                         {"answer_letter", q.letters[it.answer]},
                         {"choice", a.choice ? nlohmann::json(*a.choice) : nlohmann::json(nullptr)},
                         {"answer_text", a.text},
                         {"status", a.status},
                         {"correct", is_correct}});
  }
  auto [lo, hi] = wilson_interval(correct, answered);
  const double accuracy = answered ? static_cast<double>(correct) / static_cast<double>(answered) : metrics::kNaN;
  return {{"schema_version", 1},
          {"kind", "gower_quiz"},
          {"task", t.name},
          {"model", s.model},
          {"model_info", model_info},
          {"quiz", q.path},
          {"seed", seed},
          {"n_candidates", items.empty() ? 0 : items.front().candidates.size()},
          {"n_items", items.size()},
          {"n_answered", answered},
          {"correct", correct},
          {"accuracy", results::number_or_null(accuracy)},
          {"ci", {results::number_or_null(lo), results::number_or_null(hi)}},
          {"ci_method", "Wilson score interval, 95%, over answered items"},
          {"by_status", by_status},
          {"settings", s.to_json()},
          {"requests", {{"total", asker.calls}, {"failed", asker.failures}}},
          {"complete", asker.failures == 0},
          {"items", out_items}};
}

}  // namespace sceval::experiment
