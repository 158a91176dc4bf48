// `sceval run`: the paper's protocol end to end on one model, cached and resumable.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <vector>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct RunArgs {
  std::string task, model, output;
  Options options;
};

// Drop reasons of results.json counts.dropped_by_reason in words.
std::string reason_text(const std::string& r) {
  static const std::map<std::string, std::string> words = {
      {"original_na", "turn-1 answer unusable (no answer parsed: NA)"},
      {"original_off_label", "turn-1 answer not one of the options"},
      {"request_failed", "request failed"},
      {"sce_label_na", "the SCE's own point answered NA"},
      {"sce_no_json", "SCE reply without JSON"},
      {"sce_malformed_json", "SCE reply with malformed JSON"},
      {"sce_off_grid", "SCE off the grid"}};
  const auto it = words.find(r);
  return it != words.end() ? it->second : r;
}

// Why a mode of results.json has no rows to score (N = 0), from its counts and the decision map's
// label counts: e.g. "all 12 rows dropped: 9 SCE reply without JSON, 3 request failed".
std::string why_nothing_scored(const nlohmann::json& r, const char* mode) {
  const auto& c = r[mode]["counts"];
  const auto total = c.value("total", std::int64_t{0});
  if (total > 0) {
    std::string parts;
    const nlohmann::json reasons = c.value("dropped_by_reason", nlohmann::json::object());  // items() needs it alive
    const auto na = reasons.value("original_na", std::int64_t{0}),
               off = reasons.value("original_off_label", std::int64_t{0});
    if (na + off == total)  // the follow-ups never had a turn-1 answer to start from
      return fmt::format("all {} turn-1 answers unusable ({} with no answer parsed, {} not one of the options)", total,
                         na, off);
    for (const auto& [reason, n] : reasons.items())
      parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n.get<std::int64_t>(), reason_text(reason));
    return fmt::format("all {} rows dropped: {}", total, parts);
  }
  const auto labels = r.value(nlohmann::json::json_pointer("/decision_map/labels"), nlohmann::json::object());
  const auto na = labels.value("NA", std::int64_t{0}), off = labels.value("off_label", std::int64_t{0});
  std::int64_t answered = 0;
  for (const auto& [label, n] : labels.items())
    if (label != "NA" && label != "off_label") answered += n.get<std::int64_t>();
  const std::string why =
      answered ? fmt::format(
                     "no SCE was asked for: the audited points' turn-1 answers are unusable (decision map: "
                     "{} answered, {} with no answer parsed, {} not one of the options)",
                     answered, na, off)
               : fmt::format(
                     "no SCE was asked for: all {} turn-1 answers unusable ({} with no answer parsed, {} not "
                     "one of the options)",
                     na + off, na, off);
  const auto failed = r.value(nlohmann::json::json_pointer("/requests/failed"), std::int64_t{0});
  return failed ? fmt::format("{}; {} requests failed", why, failed) : why;
}

// "mode: why" for each mode that scored nothing (N = 0); `any_metric` tells whether some mode has one.
std::vector<std::string> empty_modes(const nlohmann::json& r, bool& any_metric) {
  std::vector<std::string> out;
  any_metric = false;
  for (const char* mode : {"paper", "strict"}) {
    if (!r.contains(mode) || !r[mode].contains("metrics")) continue;  // lazy runs: no paper mode
    if (r[mode]["metrics"].value("n", std::int64_t{0}) > 0)
      any_metric = true;
    else
      out.push_back(fmt::format("{}: {}", mode, why_nothing_scored(r, mode)));
  }
  return out;
}

// Why a text run measured no validity: its rows' counts in words ("40 rows: none generated (40
// no_marker)"). Empty when it measured one.
std::string why_no_text_metric(const nlohmann::json& r) {
  const auto& m = r["text"]["metrics"];
  if (m["validity"].is_number()) return "";
  const auto& c = r["text"]["counts"];
  std::string reasons;
  const nlohmann::json not_generated = c.value("not_generated", nlohmann::json::object());  // items() needs it alive
  for (const auto& [reason, n] : not_generated.items())
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", n.get<std::int64_t>(), reason);
  return fmt::format("text: {} rows, {} revisions generated{}, {} re-asks unusable", c.value("rows", 0),
                     c.value("generated", 0), reasons.empty() ? "" : " (not generated: " + reasons + ")",
                     c.value("validity_na", 0));
}

// A text run (docs/text.md): its metrics with CIs, one per line.
bool print_text_metrics(const nlohmann::json& r) {
  const auto& m = r["text"]["metrics"];
  fmt::print("text  N={} items={}\n", m.value("n", 0), m.value("items", 0));
  for (const char* k : {"generation_rate", "validity", "validity_with_history", "mean_levenshtein_normalized",
                        "median_levenshtein_normalized", "mean_excess"}) {
    const auto& ci = m["ci"][k];
    const auto num = [](const nlohmann::json& v) {
      return v.is_number() ? fmt::format("{:.4f}", v.get<double>()) : "NA";
    };
    fmt::print("  {:<30} {}  [{}, {}]\n", k, num(m[k]), num(ci[0]), num(ci[1]));
  }
  return m["validity"].is_number();
}

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
  const bool text = r.results.value("protocol", "") == "text";
  bool any_metric = false;
  if (text)
    any_metric = print_text_metrics(r.results);
  else
    print_metrics(r.results);  // the metrics go to stdout whatever the log level
  if (level >= LogLevel::Info)
    fmt::print("wrote {}/results.json, decision_map.csv, sces.csv, samples.jsonl\n", a.output);
  std::vector<std::string> empty = text ? std::vector<std::string>{} : empty_modes(r.results, any_metric);
  if (text && !any_metric) empty.push_back(why_no_text_metric(r.results));
  if (r.failed_requests)
    throw Error(fmt::format("{} requests failed (see samples.jsonl); run the same command again to retry them",
                            r.failed_requests));
  if (!any_metric)  // N = 0 and NA everywhere is no measurement; the files are written all the same
    throw NoMetric(fmt::format("no metric, nothing could be scored: {} (every reply is in {}/samples.jsonl)",
                               fmt::join(empty, "; "), a.output));
  if (level >= LogLevel::Warn)
    for (const auto& e : empty) fmt::print(stderr, "note: nothing scored in {}\n", e);
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
