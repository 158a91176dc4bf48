// `sceval gower-quiz --task T --model SPEC -o RUN_DIR`: can the model tell which of K candidates is
// closest to a starting point in Gower's distance? (paper §4.5)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct QuizArgs {
  std::string task, model, output;
  Options options;
  QuizOptions quiz;
};

void run_quiz_command(const QuizArgs& a) {
  const Task task = Task::load(a.task);
  const Callbacks cb = callbacks(a.options);
  Model model = Model::open(a.model, a.options, cb.log);
  const auto j = gower_quiz(task, model, a.options, a.quiz, a.output, cb);
  fmt::print("{} items ({} drawn, ties dropped), {} answered, {} correct: accuracy {} (95% CI {} to {})\n",
             j["n_items"].get<std::size_t>(), a.quiz.items, j["n_answered"].get<std::size_t>(),
             j["correct"].get<std::size_t>(), format_rate(j["accuracy"]), format_rate(j["ci"][0]),
             format_rate(j["ci"][1]));
  fmt::print("wrote {}/gower_quiz.json, samples.jsonl\n", a.output);
  if (!j["complete"].get<bool>())
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            j["requests"]["failed"].get<std::size_t>()));
}

}  // namespace

void add_gower_quiz_command(CLI::App& app) {
  static QuizArgs a;
  a.options.set("max_tokens", 5000);  // the paper's setting for this experiment
  auto* c = app.add_subcommand("gower-quiz", "Multiple-choice test: which candidate is closest in Gower's distance?");
  c->add_option("--task,-t", a.task, "Task whose grid the items come from (the paper: house_prices)")->required();
  c->add_option("--model,-m", a.model, "gguf:PATH | openai:MODEL@BASE_URL | anthropic:MODEL")->required();
  c->add_option("-o,--output", a.output, "Run directory (gower_quiz.json, samples.jsonl)")->required();
  add_option_flags(c, a.options, scope::kModel);
  add_checked_option(c, "--items", "items", a.quiz.items, "Items to draw; those with tied candidates are dropped");
  add_checked_option(c, "--candidates", "candidates", a.quiz.candidates, "Candidates per item");
  add_checked_option(c, "--seed", "seed", a.quiz.seed, "Seed for drawing items");
  c->add_option("--quiz", a.quiz.quiz, "Quiz file (default: quiz/gower.quiz in the task directories)");
  c->callback([] { run_quiz_command(a); });
}

}  // namespace sceval::cli
