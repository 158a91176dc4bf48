// `sceval compare RUN_A RUN_B`: paired difference (B - A) of two runs on the same points, as a table
// (the headline first) or, with --json, the library's JSON. Two simulate audits: the same for
// their accuracy with the explanation, gain and NSG (compare_simulations).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <tuple>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct MetricRow {
  const char* key;
  const char* title;
  bool rate;  // a fraction: shown in percentage points
};
constexpr MetricRow kRows[] = {{"validity", "validity", true},
                               {"mean_rcf_a", "mean RCF_A", false},
                               {"exact_match", "exact match", true},
                               {"tm", "TM", false}};

// A difference: rates in signed percentage points, others to 4 places; null (no pair) as NA.
std::string signed_cell(const nlohmann::json& x, bool rate) {
  if (!x.is_number()) return "NA";
  return rate ? fmt::format("{:+.2f} pp", 100 * x.get<double>()) : fmt::format("{:+.4f}", x.get<double>());
}

std::string ci_cell(const nlohmann::json& ci, bool rate) {
  if (!ci.is_array() || ci.size() != 2 || !ci[0].is_number()) return "NA";
  const double k = rate ? 100 : 1;
  return rate ? fmt::format("[{:+.2f}, {:+.2f}]", k * ci[0].get<double>(), k * ci[1].get<double>())
              : fmt::format("[{:+.4f}, {:+.4f}]", ci[0].get<double>(), ci[1].get<double>());
}

void print_baselines(const nlohmann::json& c) {
  if (!c.contains("baselines")) return;
  fmt::print("\nbaselines, each on its own run's decision map (not paired):\n");
  fmt::print("{:<4} {:<14} {:>6} {:>10} {:>11} {:>12} {:>8}\n", "run", "baseline", "N", "validity", "mean RCF_A",
             "exact match", "TM");
  for (const auto& [run, bs] : c["baselines"].items())
    for (const auto& [name, m] : bs.items())
      fmt::print("{:<4} {:<14} {:>6} {:>10} {:>11} {:>12} {:>8}\n", run == "a" ? "A" : "B", name,
                 m.value("n", std::int64_t{0}), format_rate(m["validity"]), format_value(m["mean_rcf_a"]),
                 format_rate(m["exact_match"]), format_value(m["tm"]));
}

// The comparison as a table: what was compared, then one row per metric, B - A with its CI.
void print_table(const nlohmann::json& c) {
  fmt::print("A: {}\nB: {}\n", c["a"].get<std::string>(), c["b"].get<std::string>());
  fmt::print("{} mode, {} rows scored in both runs{}\n", c["mode"].get<std::string>(), c["pairs"].get<std::size_t>(),
             c["points"].is_string() ? ", points " + c["points"].get<std::string>() : "");
  fmt::print("{:<12} {:>11}  {}\n", "metric", "B - A", "95 % CI (bootstrap)");
  for (const auto& row : kRows)
    fmt::print("{:<12} {:>11}  {}\n", row.title,
               signed_cell(c["difference"].value(row.key, nlohmann::json()), row.rate),
               ci_cell(c["ci"].value(row.key, nlohmann::json()), row.rate));
  print_baselines(c);
}

// Two simulatability audits (docs/simulate.md "Comparing two audits").
void print_simulate_table(const nlohmann::json& c) {
  fmt::print("A: {}\nB: {}\n", c["a"].get<std::string>(), c["b"].get<std::string>());
  fmt::print("{} reference points, {} counterfactual points in both audits\n", c["n_references"].get<std::size_t>(),
             c["n_items"].get<std::size_t>());
  fmt::print("{:<8} {:<14} {:>9} {:>9} {:>11}  {}\n", "kind", "metric", "A", "B", "B - A", "95 % CI (bootstrap)");
  for (const auto& [kind, m] : c["metrics"].items())
    for (const auto& [key, title, rate] : {std::tuple{"accuracy_with", "accuracy with", true},
                                           std::tuple{"gain", "gain", false}, std::tuple{"nsg", "NSG", false}})
      fmt::print("{:<8} {:<14} {:>9} {:>9} {:>11}  {}\n", kind, title, format_value(m["a"][key]),
                 format_value(m["b"][key]), signed_cell(m["difference"][key], rate), ci_cell(m["ci"][key], rate));
  for (const auto& [kind, side] : c["kinds_only_in"].items())
    fmt::print("{}: only in {} (not compared)\n", kind, side.get<std::string>() == "a" ? "A" : "B");
}

// Two text runs (docs/text.md): paired by (item id, target); each metric over the pairs where both
// runs define it, with both runs' values on those pairs.
void print_text_table(const nlohmann::json& c) {
  constexpr MetricRow kText[] = {{"generation_rate", "generation rate", true},
                                 {"validity", "validity", true},
                                 {"validity_with_history", "validity (history)", true},
                                 {"mean_levenshtein_normalized", "mean norm. Levenshtein", false},
                                 {"mean_excess", "mean excess", false}};
  fmt::print("A: {}\nB: {}\n", c["a"].get<std::string>(), c["b"].get<std::string>());
  fmt::print("text task {}, {} rows (item, target) in both runs over {} items; only in A: {}, only in B: {}{}\n",
             c["task"].get<std::string>(), c["pairs"].get<std::size_t>(), c["items"].get<std::size_t>(),
             c["only_in_a"].get<std::size_t>(), c["only_in_b"].get<std::size_t>(),
             c["points"].is_string() ? ", points " + c["points"].get<std::string>() : "");
  fmt::print("{:<23} {:>6} {:>8} {:>8} {:>11}  {}\n", "metric", "N", "A", "B", "B - A",
             "95 % CI (bootstrap over items)");
  for (const auto& row : kText) {
    const auto& a = c["values"]["a"][row.key];
    const auto& b = c["values"]["b"][row.key];
    fmt::print("{:<23} {:>6} {:>8} {:>8} {:>11}  {}\n", row.title, c["n"][row.key].get<std::size_t>(),
               row.rate ? format_rate(a) : format_value(a), row.rate ? format_rate(b) : format_value(b),
               signed_cell(c["difference"][row.key], row.rate), ci_cell(c["ci"][row.key], row.rate));
  }
}

}  // namespace

void add_compare_command(CLI::App& app) {
  static std::string a, b;
  static CompareOptions o;
  static bool json = false;
  auto* c = app.add_subcommand(
      "compare", "Paired difference (B - A) of two scored runs (or two simulate audits) on the same points, with CIs");
  c->add_option("run_a", a, "Run directory A")->required();
  c->add_option("run_b", b, "Run directory B")->required();
  c->add_option("--mode", o.mode, "strict | paper")->capture_default_str();
  non_empty(
      c->add_option("--points", o.points,
                    "Only these grid points (text runs: items): SPLIT.json:heldout | SPLIT.json:train (export-training "
                    "--split-out)"));
  add_checked_option(c, "--bootstrap", "bootstrap", o.bootstrap, "Bootstrap resamples");
  add_checked_option(c, "--seed", "seed", o.seed, "Bootstrap seed");
  c->add_flag("--json", json, "Print the comparison as JSON (a, b, mode, pairs, points, difference, ci, baselines)");
  c->callback([] {
    const nlohmann::json r = compare(a, b, o);  // runs, text runs or simulate audits
    if (json)
      fmt::print("{}\n", r.dump(2));
    else if (r.value("kind", "") == "simulate_compare")
      print_simulate_table(r);
    else if (r.value("protocol", "") == "text")
      print_text_table(r);
    else
      print_table(r);
  });
}

}  // namespace sceval::cli
