// run, score, load_run, closest, compare: the protocol and its scoring as library calls.
#include "sceval/run.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/internal.h"
#include "api/same_grid.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "experiment/baselines.h"
#include "grid/closest.h"
#include "llm/http/model_spec.h"
#include "metrics/aggregate.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "results/sce_csv.h"
#include "text/compare.h"
#include "sceval/simulate.h"
#include "text/run.h"
#include "text/sces_csv.h"
#include "training/split.h"

namespace sceval {

namespace fs = std::filesystem;

namespace api {

RunResult result_from(const experiment::RunOutput& out, const experiment::RunReport& r) {
  RunResult res;
  res.results = r.results;
  res.decision_map = csv::parse(out.text("decision_map.csv"), "decision_map.csv");
  res.sces = csv::parse(out.text("sces.csv"), "sces.csv");
  for (const auto& line : out.samples()) res.samples.push_back(nlohmann::json::parse(line));
  res.requests = r.requests;
  res.failed_requests = r.failed_requests;
  return res;
}

}  // namespace api

namespace {

// The files save() writes into dir, refused when one is a file this result was made from: the
// task file and score's inputs (results.json "inputs"), e.g. `score --sces R/sces.csv -o R`.
void refuse_overwriting_recorded_inputs(const std::string& dir, const nlohmann::json& results, bool samples) {
  std::vector<std::string> inputs;
  const auto add = [&](const nlohmann::json& j, const char* key, bool part) {
    const auto it = j.is_object() ? j.find(key) : j.end();
    if (it == j.end() || !it->is_string()) return;
    std::string path = it->get<std::string>();  // --points SPLIT.json:heldout names SPLIT.json
    if (part && path.rfind(':') != std::string::npos) path.erase(path.rfind(':'));
    inputs.push_back(path);
  };
  const nlohmann::json none;
  const auto& task = results.is_object() && results.contains("task") ? results["task"] : none;
  const auto& in = results.is_object() && results.contains("inputs") ? results["inputs"] : none;
  add(task, "path", false), add(in, "decision_map", false), add(in, "sces", false), add(in, "points", true);
  for (const char* f : {"results.json", "decision_map.csv", "sces.csv", "samples.jsonl"})
    if (samples || std::string_view(f) != "samples.jsonl") refuse_overwriting_inputs(dir + "/" + f, inputs);
}

}  // namespace

void RunResult::save(const std::string& dir, bool overwrite) const {
  refuse_overwriting_recorded_inputs(dir, results, !samples.empty());
  experiment::RunDirPolicy policy;
  if (results.is_object() && results.contains("settings")) policy.settings = results["settings"];
  policy.overwrite = overwrite;
  experiment::RunOutput out(dir, policy);
  for (const auto& s : samples) out.sample(s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  out.put("decision_map.csv", decision_map.to_csv());
  out.put("sces.csv", sces.to_csv());
  out.put("results.json", results::json_text(results));
  out.commit();
}

namespace {

// --items-file: a text task's items given at run time (docs/text.md); a grid task has none.
Task with_items_file(const Task& task, const Options& o) {
  if (!o.items_file) return task;
  if (!task.is_text())
    throw Error(
        fmt::format("items_file: task {} is a grid task; an items file is for text tasks (docs/text.md)", task.name()));
  if (task.path().empty())
    throw Error(fmt::format("items_file: text task {} was built in code: give its items there", task.name()));
  return Task::load(task.path(), *o.items_file);
}

}  // namespace

RunResult run(const Task& given, Model& model, const Options& options, const std::string& out, const Callbacks& cb) {
  const Task task = with_items_file(given, options);
  // The spec as given ("reviews", not the file the items were re-read with): what a sweep plans.
  const auto s = api::run_settings(api::task_of(task), given.spec(), model.info().value("spec", ""), options, out);
  const text::TextTask* text_task = api::text_of(task);  // a text task: the llm-sces protocol (docs/text.md)
  // Before the run directory exists.
  if (text_task)
    text::check_run(s);
  else
    experiment::check_run(api::task_of(task), api::grid_of(task), s);
  for (const char* f : {"results.json", "decision_map.csv", "sces.csv", "samples.jsonl"})
    refuse_overwriting_inputs(out + "/" + f, {task.path(), text_task ? text_task->items_path : task.path()});
  llm::CachingBackend cached(api::backend_of(model), api::caching_options(options));
  experiment::RunOutput output(out, {s.recorded, options.overwrite});
  const auto progress = api::progress_for(cb, cached);
  const auto report = text_task ? text::run(*text_task, s, cached, output, model.info(), progress)
                                : experiment::run(api::task_of(task), s, cached, output, model.info(), progress);
  RunResult r = api::result_from(output, report);
  r.cache_hits = cached.stats().hits;
  r.asked = cached.stats().inner_requests;
  return r;
}

namespace {

// The bootstrap settings of score/compare, by the option table (the same ranges as `run`'s).
metrics::BootstrapSettings bootstrap_settings(int resamples, std::uint64_t seed) {
  option_spec("bootstrap").check(resamples);
  option_spec("seed").check(seed);
  metrics::BootstrapSettings bs;
  bs.resamples = resamples;
  bs.seed = seed;
  return bs;
}

// Only the (index, target) rows asked for, in their original order.
std::vector<metrics::SceInput> keep_rows(const task::Task& t, std::vector<metrics::SceInput> sces,
                                         const std::vector<std::pair<std::uint64_t, std::string>>& only) {
  if (only.empty()) return sces;
  std::set<std::pair<std::uint64_t, std::string>> keep(only.begin(), only.end());
  std::vector<metrics::SceInput> out;
  for (auto& s : sces)
    if (keep.contains({s.index, s.target >= 0 ? t.options[s.target] : ""})) out.push_back(std::move(s));
  return out;
}

}  // namespace

RunResult score(const Task& task, const Table& decision_map, const Table& sces, const ScoreOptions& o) {
  const metrics::BootstrapSettings bs = bootstrap_settings(o.bootstrap, o.seed);
  const task::Task& t = api::task_of(task);
  const grid::Grid& g = api::grid_of(task);
  auto map = results::read_decision_map(g, api::checked(decision_map));
  auto rows = keep_rows(t, results::read_sces(g, api::checked(sces)), o.only);
  if (!o.points.empty()) {  // only the rows of these grid points (a split's train or held-out part)
    const auto sel = training::read_point_selection(o.points);
    training::check_selection(sel, t.name, g.size());
    std::erase_if(rows, [&](const metrics::SceInput& s) { return !sel.contains(s.index); });
  }
  const auto kind = api::distance_or_task(t, o.distance, "distance");
  grid::Distance paper_dist(g, kind, grid::Arithmetic::Paper), exact_dist(g, kind, grid::Arithmetic::Exact);
  metrics::Scorer paper(paper_dist, map, metrics::Mode::Paper), strict(exact_dist, map, metrics::Mode::Strict);
  std::vector<metrics::SceScore> ps, ss;
  for (const auto& s : rows) ps.push_back(paper.score(s)), ss.push_back(strict.score(s));
  RunResult r;
  r.results = results::results_json(
      t, g, map, kind, results::mode_json(paper_dist, ps, rows, bs), results::mode_json(exact_dist, ss, rows, bs), bs,
      {{"inputs", {{"decision_map", decision_map.source}, {"sces", sces.source}, {"points", o.points}}},
       {"baselines", experiment::baselines_json(g, map, kind, experiment::baseline_rows(rows), bs.seed, bs)}});
  r.decision_map = results::decision_map_table(g, map);
  r.sces = results::sce_table(g, map, rows, ss, ps);
  return r;
}

RunResult load_run(const std::string& dir) {
  const fs::path d(dir);
  if (path_type(d) != fs::file_type::directory) throw Error(fmt::format("{}: not a run directory", dir));
  RunResult r;
  r.results = results::read_results_json((d / "results.json").string());
  r.decision_map = Table::read_csv((d / "decision_map.csv").string());
  r.sces = Table::read_csv((d / "sces.csv").string());
  if (path_exists(d / "samples.jsonl")) {
    std::istringstream in(read_file_text((d / "samples.jsonl").string()));
    std::size_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.empty()) continue;
      r.samples.push_back(parse_json_bounded(line, fmt::format("{}:{}", (d / "samples.jsonl").string(), line_no)));
    }
  }
  const auto& req = r.results.contains("requests") ? r.results["requests"] : nlohmann::json::object();
  r.requests = req.value("total", std::size_t{0});
  r.failed_requests = req.value("failed", std::size_t{0});
  return r;
}

Table closest(const Task& task, const Table& decision_map, const std::string& distance, const std::string& mode) {
  const task::Task& t = api::task_of(task);
  const grid::Grid& g = api::grid_of(task);
  auto map = results::read_decision_map(g, api::checked(decision_map));
  // "strict" is the mode's name everywhere (score, compare, results.json); "exact" was closest's
  // earlier word for the same exact arithmetic and stays accepted.
  auto arith = grid::arithmetic_from_string(mode == "strict" ? "exact" : mode);
  if (!arith) throw Error(fmt::format("mode: expected strict or paper, got \"{}\"", mode));
  grid::Distance dist(g, api::distance_or_task(t, distance, "distance"), *arith);
  grid::BoundaryDistances bd(dist, map.labels, static_cast<int>(t.options.size()));
  Table out{"closest.csv", {"index", "d_min", "closest_index"}, {}};
  for (const auto& f : t.features) out.columns.push_back("closest_" + f.name);
  for (grid::Index i = 0; i < g.size(); ++i) {
    if (map.labels[i] < 0) continue;
    grid::Nearest n = bd.nearest_other(i, map.labels[i]);
    std::vector<std::string> row = {std::to_string(i)};
    if (n.found()) {
      row.push_back(results::format_number(n.distance));
      row.push_back(std::to_string(n.index));
      for (std::size_t j = 0; j < g.dims(); ++j) row.push_back(g.value_text(n.index, j));
    } else {
      row.resize(out.columns.size());
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

namespace {

// A run's results.json, schema-checked: compare needs it for the run's task and grid.
nlohmann::json run_results(const std::string& dir) {
  const std::string file = dir + "/results.json";
  if (!path_exists(file))
    throw Error(
        fmt::format("{}: missing; compare reads each run's task and grid from it (a run writes it when it "
                    "finishes: run or score it again)",
                    file));
  return results::read_results_json(file);
}

// The baselines of a run (its own decision map, the same points), when results.json has them.
nlohmann::json compare_baselines(const nlohmann::json& r, const std::string& mode) {
  nlohmann::json out = nlohmann::json::object();
  const nlohmann::json baselines = r.contains("baselines") ? r["baselines"] : nlohmann::json::object();
  for (auto it = baselines.begin(); it != baselines.end(); ++it) {
    if (!it.value().is_object()) continue;  // "available": false and its "reason" (a lazy run)
    const auto& m = it.value()[mode]["metrics"];
    out[it.key()] = {{"n", m["n"]},
                     {"validity", m["validity"]},
                     {"mean_rcf_a", m["mean_rcf_a"]},
                     {"exact_match", m["exact_match"]},
                     {"tm", m["tm"]}};
  }
  return out;
}

// Two text runs (docs/text.md): paired by (item id, target); --points is a split of items.
nlohmann::json compare_text(const std::string& run_a, const nlohmann::json& ja, const std::string& run_b,
                            const nlohmann::json& jb, const CompareOptions& o, const metrics::BootstrapSettings& bs) {
  if (!text::is_text_results(ja) || !text::is_text_results(jb))
    throw Error(fmt::format("compare: {} is a {} run and {} a {} run; both must be grid runs or both text runs", run_a,
                            text::is_text_results(ja) ? "text" : "grid", run_b,
                            text::is_text_results(jb) ? "text" : "grid"));
  text::check_same_text_task(ja, run_a + "/results.json", jb, run_b + "/results.json");
  if (o.mode != "strict") throw Error("mode: text runs have no scoring modes (leave --mode at strict)");
  if (!o.only.empty()) throw Error("only: selects (grid point, target) rows; text runs are compared on all rows");
  return text::compare_runs(run_a, ja, run_b, bs, o.points);  // points: a split of items
}

}  // namespace

nlohmann::json compare(const std::string& run_a, const std::string& run_b, const CompareOptions& o) {
  if (is_simulate_audit(run_a) || is_simulate_audit(run_b)) return compare_simulations(run_a, run_b, o);
  if (o.mode != "strict" && o.mode != "paper")
    throw Error(fmt::format("mode: expected strict or paper, got \"{}\"", o.mode));
  const auto mode = o.mode == "paper" ? metrics::Mode::Paper : metrics::Mode::Strict;
  const metrics::BootstrapSettings bs = bootstrap_settings(o.bootstrap, o.seed);
  // Rows are paired by (grid point, target text): meaningful only when both runs are of one grid.
  const nlohmann::json ja = run_results(run_a), jb = run_results(run_b);
  if (text::is_text_results(ja) || text::is_text_results(jb)) return compare_text(run_a, ja, run_b, jb, o, bs);
  api::check_same_grid(ja, run_a + "/results.json", jb, run_b + "/results.json");
  api::check_same_distance(ja, run_a + "/results.json", jb, run_b + "/results.json", o.mode);
  api::check_mode_available(ja, run_a + "/results.json", o.mode);
  api::check_mode_available(jb, run_b + "/results.json", o.mode);
  auto ra = results::read_scored_sces(run_a + "/sces.csv", mode);
  auto rb = results::read_scored_sces(run_b + "/sces.csv", mode);
  // Pair rows by (grid point, requested label); rows present in only one run are left out.
  std::map<std::pair<grid::Index, std::string>, const metrics::SceScore*> in_b;
  for (const auto& r : rb) in_b[{r.index, r.target}] = &r.score;
  std::set<std::pair<std::uint64_t, std::string>> only(o.only.begin(), o.only.end());
  if (!o.points.empty()) {  // only the rows of these grid points (a split's train or held-out part)
    const auto sel = training::read_point_selection(o.points);
    for (const auto* j : {&ja, &jb})  // the split must be of each run's task and grid
      training::check_selection(sel, (*j)["task"]["name"].get<std::string>(),
                                (*j)["task"].value("grid_points", grid::Index{0}));
    std::erase_if(ra, [&](const results::ScoredRow& r) { return !sel.contains(r.index); });
  }
  std::vector<metrics::SceScore> pa, pb;
  for (const auto& r : ra) {
    if (!only.empty() && !only.contains({r.index, r.target})) continue;
    if (auto it = in_b.find({r.index, r.target}); it != in_b.end()) pa.push_back(r.score), pb.push_back(*it->second);
  }
  auto d = metrics::paired_difference(pa, pb, bs);
  nlohmann::json out = {{"a", run_a},
                        {"b", run_b},
                        {"mode", o.mode},
                        {"pairs", d.pairs},
                        {"points", o.points.empty() ? nlohmann::json() : nlohmann::json(o.points)},
                        {"difference", nlohmann::json::object()},
                        {"ci", nlohmann::json::object()}};
  for (const auto& [k, v] : d.difference) out["difference"][k] = results::number_or_null(v);
  for (const auto& [k, v] : d.ci)
    out["ci"][k] = nlohmann::json::array({results::number_or_null(v.first), results::number_or_null(v.second)});
  for (const auto& [key, j] : {std::pair{"a", &ja}, std::pair{"b", &jb}})
    if (auto b = compare_baselines(*j, o.mode); !b.empty()) out["baselines"][key] = std::move(b);
  return out;
}

}  // namespace sceval
