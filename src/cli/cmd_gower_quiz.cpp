// `sceval gower-quiz --task T --model SPEC -o RUN_DIR`: can the model tell which of K candidates is
// closest to a starting point in Gower's distance? (paper §4.5)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/run_job.h"
#include "common/error.h"
#include "experiment/gower_quiz.h"
#include "results/results_json.h"
#include "task/registry.h"

namespace sceval::cli {
namespace {

struct QuizArgs {
  RunOptions run;
  std::string quiz;
  std::size_t items = 1000, candidates = 4;
  std::uint64_t seed = 42;
};

void run_quiz_command(QuizArgs& a) {
  const auto s = finish_settings(a.run);
  const auto q = experiment::load_quiz(a.quiz.empty() ? experiment::find_quiz("gower") : a.quiz);
  if (a.candidates > q.letters.size())
    throw Error(fmt::format("--candidates {}: the quiz file has {} letters", a.candidates, q.letters.size()));
  const task::Task t = task::resolve_task(s.task);
  const grid::Grid g(t);
  const auto items = experiment::quiz_items(g, a.items, a.candidates, a.seed);
  Model model = make_model(a.run.s.model, a.run.local, attempt_log(a.run));
  llm::CachingBackend cached(*model.backend, caching_options(a.run));
  auto j = experiment::run_gower_quiz(q, t, items, s, a.seed, cached, model.info, attach_progress(a.run, cached));
  j["n_drawn"] = a.items;
  results::write_json(j, s.output + "/gower_quiz.json");
  fmt::print("{} items ({} drawn, ties dropped), {} answered, {} correct: accuracy {} (95% CI {} to {})\n",
             items.size(), a.items, j["n_answered"].get<std::size_t>(), j["correct"].get<std::size_t>(),
             format_rate(j["accuracy"]), format_rate(j["ci"][0]), format_rate(j["ci"][1]));
  fmt::print("wrote {}/gower_quiz.json, samples.jsonl\n", s.output);
  if (!j["complete"].get<bool>())
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            j["requests"]["failed"].get<std::size_t>()));
}

}  // namespace

void add_gower_quiz_command(CLI::App& app) {
  static QuizArgs a;
  a.run.s.sampling.max_tokens = 5000;  // the paper's setting for this experiment
  auto* c = app.add_subcommand("gower-quiz", "Multiple-choice test: which candidate is closest in Gower's distance?");
  c->add_option("--task,-t", a.run.s.task, "Task whose grid the items come from (the paper: house_prices)")->required();
  c->add_option("-o,--output", a.run.s.output, "Run directory (gower_quiz.json, samples.jsonl)")->required();
  add_model_options(c, a.run, /*decision_map=*/false);
  c->add_option("--items", a.items, "Items to draw; those with tied candidates are dropped")->capture_default_str();
  c->add_option("--candidates", a.candidates, "Candidates per item")->capture_default_str();
  c->add_option("--seed", a.seed, "Seed for drawing items")->capture_default_str();
  c->add_option("--quiz", a.quiz, "Quiz file (default: quiz/gower.quiz in the task directories)");
  c->callback([] { run_quiz_command(a); });
}

}  // namespace sceval::cli
