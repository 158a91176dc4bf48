// stability, gower_quiz and write_report as library calls.
#include <fmt/format.h>

#include "api/internal.h"
#include "common/error.h"
#include "common/file.h"
#include "experiment/gower_quiz.h"
#include "experiment/stability.h"
#include "report/html.h"
#include "report/run_dir.h"
#include "results/results_json.h"
#include "sceval/experiments.h"
#include "sceval/report.h"
#include "task/registry.h"

namespace sceval {

nlohmann::json stability(const std::vector<std::string>& variants, Model& model, const Options& options,
                         const std::string& out, const Callbacks& cb) {
  if (variants.size() < 2) throw Error("stability: give at least two prompt variants (names, files or globs)");
  if (out.empty()) throw Error("stability: an output directory is required");
  const Task first = Task::load(variants.front());
  const auto s = api::run_settings(api::task_of(first), first.spec(), model.info().value("spec", ""), options, out);
  llm::CachingBackend cached(api::backend_of(model), api::caching_options(options));
  refuse_overwriting_inputs(out + "/stability.json", variants);
  auto j = experiment::run_stability(variants, s, cached, model.info(), api::progress_for(cb, cached));
  results::write_json(j, out + "/stability.json");
  return j;
}

nlohmann::json gower_quiz(const Task& task, Model& model, const Options& options, const QuizOptions& q,
                          const std::string& out, const Callbacks& cb) {
  if (out.empty()) throw Error("gower_quiz: an output directory is required");
  option_spec("items").check(q.items);
  option_spec("candidates").check(q.candidates);
  option_spec("seed").check(q.seed);
  const auto quiz = experiment::load_quiz(q.quiz.empty() ? experiment::find_quiz("gower") : q.quiz);
  if (q.candidates > quiz.letters.size())
    throw Error(fmt::format("candidates {}: the quiz file has {} letters", q.candidates, quiz.letters.size()));
  const auto s = api::run_settings(api::task_of(task), task.spec(), model.info().value("spec", ""), options, out);
  refuse_overwriting_inputs(out + "/gower_quiz.json", {task.path(), quiz.path});
  const auto items = experiment::quiz_items(api::grid_of(task), q.items, q.candidates, q.seed);
  llm::CachingBackend cached(api::backend_of(model), api::caching_options(options));
  auto j = experiment::run_gower_quiz(quiz, api::task_of(task), items, s, q.seed, cached, model.info(),
                                      api::progress_for(cb, cached));
  j["n_drawn"] = q.items;
  results::write_json(j, out + "/gower_quiz.json");
  return j;
}

std::size_t write_report(const std::vector<std::string>& run_dirs, const std::string& out_html) {
  std::vector<std::string> inputs;  // every file report::load_run reads
  for (const auto& [dir, name] : report::expand_run_dirs(run_dirs))
    for (const char* f : {"results.json", "decision_map.csv", "sces.csv", "samples.jsonl", "stability.json",
                          "gower_quiz.json", "simulate.json"})
      inputs.push_back(dir + "/" + f);
  refuse_overwriting_inputs(out_html, inputs);
  return report::write_report(run_dirs, out_html);
}

}  // namespace sceval
