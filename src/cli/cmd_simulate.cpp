// `sceval simulate RUN_DIR --observer SPEC [--observer SPEC ...] -o OUT`: can observers predict the
// audited model's answers near a reference point better with its explanation? (docs/simulate.md)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct SimulateArgs {
  std::string run, output, target;
  std::vector<std::string> observers;
  Options options;
  SimulateOptions simulate;
  bool overwrite = false;
};

// "NAME=SPEC" names the observer; a bare SPEC is named by itself. A spec holding '=' (a URL query)
// needs the NAME= form.
std::pair<std::string, std::string> observer_of(const std::string& arg) {
  const auto colon = arg.find(':'), eq = arg.find('=');
  if (eq != std::string::npos && (colon == std::string::npos || eq < colon)) {
    if (eq == 0 || eq + 1 == arg.size())
      throw Error(fmt::format("--observer \"{}\": expected NAME=SPEC or SPEC, with neither empty", arg));
    return {arg.substr(0, eq), arg.substr(eq + 1)};
  }
  return {arg, arg};
}

void print_summary(const nlohmann::json& j) {
  fmt::print("{} reference points, {} counterfactual points\n", j["n_references"].get<std::size_t>(),
             j["n_items"].get<std::size_t>());
  fmt::print("{:<8} {:<20} {:>6} {:>9} {:>9} {:>9} {:>9}  {}\n", "kind", "observer", "n", "acc w/o", "acc with", "gain",
             "NSG", "NSG 95% CI");
  for (const auto& entry : j["metrics"].items()) {
    const std::string kind = entry.key();  // a plain variable: clang 14 cannot capture a structured binding
    const nlohmann::json& m = entry.value();
    auto line = [&](const std::string& who, const nlohmann::json& g) {
      fmt::print("{:<8} {:<20} {:>6} {:>9} {:>9} {:>9} {:>9}  [{}, {}]\n", kind, who, g["n"].get<std::size_t>(),
                 format_rate(g["accuracy_without"]), format_rate(g["accuracy_with"]), format_value(g["gain"]),
                 format_value(g["nsg"]), format_value(g["ci"]["nsg"][0]), format_value(g["ci"]["nsg"][1]));
    };
    for (const auto& [name, g] : m["observers"].items()) line(name, g);
    if (m["observers"].size() > 1) line("(pooled)", m["pooled"]);
    fmt::print("{:<8} egregious rate with the explanation {} (without {})\n", kind,
               format_rate(m["egregious_rate_with"]), format_rate(m["egregious_rate_without"]));
  }
}

void run_simulate_command(SimulateArgs& a) {
  if (a.overwrite) a.options.set("overwrite", true);
  const Callbacks cb = callbacks(a.options);
  std::vector<std::unique_ptr<Model>> models;
  std::vector<Observer> observers;
  for (const auto& arg : a.observers) {
    auto [name, spec] = observer_of(arg);
    for (const auto& o : observers)
      if (o.name == name) throw Error(fmt::format("--observer: two observers are named \"{}\"", name));
    models.push_back(std::make_unique<Model>(Model::open(spec, a.options, cb.log)));
    observers.push_back({name, models.back().get()});
  }
  std::unique_ptr<Model> target;
  if (!a.target.empty()) target = std::make_unique<Model>(Model::open(a.target, a.options, cb.log));
  const auto r = simulatability(a.run, observers, target.get(), a.options, a.simulate, a.output, cb);
  if (log_level(a.options) >= LogLevel::Info)  // as `sceval run` says it: a resumed audit shows what it reused
    fmt::print(stderr, "requests: {} ({} from the cache, {} asked)\n", r.requests, r.cache_hits,
               r.requests - std::min(r.requests, r.cache_hits));
  if (!r.merged && r.metrics["settings"].contains("shard")) {  // a shard whose siblings are not all finished
    const std::string shard = r.metrics["settings"]["shard"].get<std::string>();
    std::string folder = shard;
    folder.replace(folder.find('/'), 1, "-of-");
    fmt::print("{} reference points of shard {}: wrote {}/shard-{}/\n", r.metrics["n_references"].get<std::size_t>(),
               shard, a.output, folder);
    fmt::print("the other shards are not all finished: the last one to finish merges them into {}\n", a.output);
  } else {
    print_summary(r.metrics);
    if (r.merged)
      fmt::print("merged every shard into {}/simulate.json, simulate.csv\n", a.output);
    else
      fmt::print("wrote {}/simulate.json, simulate.csv, simulate_samples.jsonl\n", a.output);
  }
  if (!r.metrics["complete"].get<bool>())
    throw Error(fmt::format("{} requests failed (see simulate_samples.jsonl); run the same command again to retry them",
                            r.metrics["requests"]["failed"].get<std::size_t>()));
  if (r.metrics.value("n_references", std::size_t{0}) == 0)  // NA everywhere is no measurement (docs/errors.md)
    throw NoMetric(
        fmt::format("no metric: {} has no audited point with an answer to explain (see its sces.csv)", a.run));
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  static SimulateArgs a;
  auto* c = app.add_subcommand(
      "simulate", "Simulatability (NSG): do the model's explanations help observers predict its answers nearby?");
  c->add_option("run", a.run, "A finished run directory (results.json, decision_map.csv, sces.csv)")->required();
  c->add_option("--observer", a.observers, "NAME=SPEC or SPEC of an observer model (repeat for several)")
      ->allow_extra_args(false)
      ->required();
  c->add_option("--target", a.target, "Model that explains its answers (free); default: the run's model spec");
  c->add_option("-o,--output", a.output, "Output folder (simulate.json, simulate.csv, simulate_samples.jsonl)")
      ->required();
  add_checked_option(c, "--explanation", "explanation", a.simulate.explanation, "free | sce | both");
  add_checked_option(c, "--hamming", "hamming", a.simulate.hamming, "Counterfactual points differ in 1..N features");
  add_checked_option(c, "--per-point", "per_point", a.simulate.per_point,
                     "Counterfactual points per reference, half where the answer changes");
  add_checked_option(c, "--sample", "sample", "N reference points drawn with --seed (default: every audited point)",
                     [](const nlohmann::json& v) { a.options.set("sample", v); });
  add_checked_option(c, "--seed", "seed", "Seed for references, counterfactual points and the bootstrap [default: 42]",
                     [](const nlohmann::json& v) { a.options.set("seed", v); });
  add_checked_option(c, "--bootstrap", "bootstrap", "Bootstrap resamples for CIs [default: 2000]",
                     [](const nlohmann::json& v) { a.options.set("bootstrap", v); });
  add_checked_option(c, "--shard", "shard", a.simulate.shard,
                     "I/N: this shard of the reference points, into OUT/shard-I-of-N/; the last to finish merges");
  c->add_option("--prompts", a.simulate.prompts, "Prompt file (default: simulate/nsg.prompts in the task directories)");
  c->add_flag("--overwrite", a.overwrite, "Replace an audit of other settings in the output folder");
  add_option_flags(c, a.options, scope::kModel);
  c->callback([] { run_simulate_command(a); });
}

}  // namespace sceval::cli
