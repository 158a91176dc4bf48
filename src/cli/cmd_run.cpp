// `sceval run`: the paper's protocol end to end on one model, cached and resumable.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct RunArgs {
  std::string task, model, output;
  Options options;
};

void run_command(const RunArgs& a) {
  const Task task = Task::load(a.task);
  const LogLevel level = log_level(a.options);
  const Callbacks cb = callbacks(a.options);
  Model model = Model::open(a.model, a.options, cb.log);
  const RunResult r = run(task, model, a.options, a.output, cb);
  if (level >= LogLevel::Info)
    fmt::print(stderr, "requests: {} ({} from the cache, {} asked, {} failed)\n", r.requests, r.cache_hits, r.asked,
               r.failed_requests);
  else if (level >= LogLevel::Warn && r.failed_requests)
    fmt::print(stderr, "warning: {} requests failed\n", r.failed_requests);
  print_metrics(r.results);  // the metrics go to stdout whatever the log level
  if (level >= LogLevel::Info) fmt::print("wrote {}/results.json, decision_map.csv, sces.csv, samples.jsonl\n", a.output);
  if (r.failed_requests)
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            r.failed_requests));
}

}  // namespace

void add_run_command(CLI::App& app) {
  static RunArgs a;
  auto* c = app.add_subcommand("run", "Run the paper's protocol on a model: decision map, SCEs, metrics");
  c->add_option("--task,-t", a.task, "Task name or file")->required();
  c->add_option("--model,-m", a.model, "gguf:PATH | openai:MODEL@BASE_URL | anthropic:MODEL")->required();
  c->add_option("-o,--output", a.output, "Run directory")->required();
  add_option_flags(c, a.options, scope::kAll);
  c->callback([] { run_command(a); });
}

}  // namespace sceval::cli
