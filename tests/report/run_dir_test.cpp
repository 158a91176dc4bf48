// Hostile input, `sceval report` (and `compare`) on run directories: every results.json part a reader uses
// is validated (model, baselines), real runs (full and lazy) still load, a path stat cannot resolve
// is a sceval::Error naming it, files of two different runs are not rendered as one, a damaged
// sces.csv is refused as the other readers refuse it, and no URL credential reaches the page.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "error_helpers.h"
#include "common/csv.h"
#include "common/error.h"
#include "experiment/output.h"
#include "experiment/run.h"
#include "report/html.h"
#include "report/page_data.h"
#include "report/run_dir.h"
#include "results/results_json.h"
#include "rule_backend_for_tests.h"
#include "task/registry.h"

namespace sceval {
namespace {

using sceval::testing::error_of;
using sceval::testing::has;
using sceval::testing::ScratchDir;

namespace fs = std::filesystem;
using nlohmann::json;

// A real run of toy_income by the rule test double: the full map (with baselines) or lazy.
json real_run(const std::string& dir, experiment::DecisionMapMode mode, const json& model_info) {
  const task::Task t = task::resolve_task("toy_income");
  grid::Grid g(t);
  testing::RuleBackendForTests model(g,
                                     [&g](grid::Index i) { return static_cast<metrics::Label>(g.position(i, 0) % 2); });
  experiment::RunSettings s;
  s.task = "toy_income";
  s.model = "rule";
  s.output = dir;
  s.decision_map = mode;
  s.sample = 30;
  s.bootstrap.resamples = 20;
  experiment::RunOutput out(dir);
  return experiment::run(t, s, model, out, model_info).results;
}

const json kModelInfo = {{"kind", "function"}, {"spec", "function:rule"}, {"identity", "rule"}};

void rewrite_results(const std::string& dir, const std::function<void(json&)>& change) {
  json r = results::read_json(dir + "/results.json");
  change(r);
  results::write_json(r, dir + "/results.json");
}

TEST(ReportRunDir, RealRunsPassTheSchemaAndRender) {
  ScratchDir tmp;
  for (auto mode : {experiment::DecisionMapMode::Generate, experiment::DecisionMapMode::Lazy})
    for (const json& info : {kModelInfo, json()}) {  // null: a library caller that gave no model info
      const std::string dir = tmp.file("run" + std::to_string(static_cast<int>(mode)) + (info.is_null() ? "n" : "m"));
      const json r = real_run(dir, mode, info);
      const bool lazy = mode == experiment::DecisionMapMode::Lazy;
      // What the readers look at is there: baselines (or why not) and the model.
      EXPECT_EQ(r["baselines"].contains("available"), lazy) << dir;
      EXPECT_EQ(r.value(json::json_pointer("/decision_map/mode"), ""), lazy ? "lazy" : "") << dir;
      EXPECT_NO_THROW(results::read_results_json(dir + "/results.json")) << dir;
      json page;
      ASSERT_NO_THROW(page = report::run_page_data(report::load_run(dir, "r"))) << dir;
      EXPECT_EQ(page["model"], info.is_null() ? "(scored: r)" : "function:rule") << dir;
    }
}

TEST(ReportRunDir, TamperedModelAndBaselinesAreRefusedWithTheField) {
  ScratchDir tmp;
  const std::string base = tmp.file("base");
  real_run(base, experiment::DecisionMapMode::Generate, kModelInfo);
  struct Case {
    const char* pointer;
    json value;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"/model/spec", 5, "model.spec: expected a string, got number"},
      {"/model", "function:rule", "model: expected an object, got string"},
      {"/baselines/oracle/strict/metrics/validity", 7.5,
       "baselines.oracle.strict.metrics.validity: 7.5 is outside [0, 1]"},
      {"/baselines/oracle/paper/ci/validity", json::array({0.5, 7.5}),
       "baselines.oracle.paper.ci.validity[1]: 7.5 is outside [0, 1]"},
      {"/baselines/one_step/strict/metrics/n", -2,
       "baselines.one_step.strict.metrics.n: expected a count >= 0, got -2"},
      {"/baselines/oracle", "oops", "baselines.oracle: expected an object, got string"},
      {"/baselines/oracle/strict", json::object(), "baselines.oracle.strict.metrics: missing"},
      {"/baselines", json::array(), "baselines: expected an object, got array"},
      // The grid: `report`, `compare` and `export-training` once exited 0 on these.
      {"/task/features", json::array(), "task.features: expected a non-empty array of features, got []"},
      {"/task/features/0/values", json::array(), "task.features[0].values: expected at least one value"},
      {"/task/grid_points", 5,
       "task.grid_points: 5, but task.features span a grid of 1920 points (the product of "
       "their value counts; files of different runs, or an edited file?)"},
  };
  int k = 0;
  for (const auto& c : cases) {
    const std::string dir = tmp.file(fmt::format("t{}", k++));
    fs::copy(base, dir);
    rewrite_results(dir, [&](json& r) { r[json::json_pointer(c.pointer)] = c.value; });
    const std::string want = dir + "/results.json: " + c.message;
    const std::string rep = error_of([&] { report::load_run(dir, "r"); });
    EXPECT_TRUE(has(rep, want)) << c.pointer << ": " << rep;
    // compare and sweep summaries read results.json through read_results_json (sceval_tests does
    // not link the api library, so compare itself is checked by hand: `sceval compare`).
    const std::string read = error_of([&] { results::read_results_json(dir + "/results.json"); });
    EXPECT_EQ(read, want) << c.pointer;
  }
}

TEST(ReportRunDir, PathsThatCannotBeResolvedAreErrorsNamingThem) {
  ScratchDir tmp;
  const std::string loop = tmp.file("loop");
  fs::create_directory_symlink("loop", loop);  // a link to itself: stat fails with ELOOP
  const std::string reason = ": cannot access: Too many levels of symbolic links";
  std::string msg = error_of([&] { report::expand_run_dirs({loop}); });
  EXPECT_EQ(msg, loop + reason);
  // A sweep folder with such an entry beside its cells.
  const std::string sweep = tmp.file("sweep");
  real_run(sweep + "/a__toy", experiment::DecisionMapMode::Generate, kModelInfo);
  fs::create_directory_symlink("b__toy", sweep + "/b__toy");
  msg = error_of([&] { report::expand_run_dirs({sweep}); });
  EXPECT_EQ(msg, sweep + "/b__toy" + reason);
  // A run directory whose optional files cannot be looked up.
  const std::string run = sweep + "/a__toy";
  ASSERT_NO_THROW(report::load_run(run, "a"));
  for (const char* f : {"samples.jsonl", "stability.json", "gower_quiz.json"}) {
    const std::string path = run + "/" + f;
    fs::remove(path);
    fs::create_symlink(f, path);
    msg = error_of([&] { report::load_run(run, "a"); });
    EXPECT_EQ(msg, path + reason) << f;
    fs::remove(path);
  }
}

TEST(ReportRunDir, ArtifactsOfAnotherKindAreErrorsNotTypeErrors) {
  ScratchDir tmp;
  const std::string run = tmp.file("run");
  real_run(run, experiment::DecisionMapMode::Generate, kModelInfo);
  for (const char* text : {R"({"kind": 5, "schema_version": 1})", R"({"kind": "stability", "schema_version": "1"})"}) {
    std::ofstream(run + "/stability.json") << text;
    const std::string msg = error_of([&] { report::load_run(run, "r"); });
    EXPECT_TRUE(
        has(msg, run + "/stability.json: expected an object with \"kind\": \"stability\" and \"schema_version\": 1"))
        << text << ": " << msg;
  }
}

TEST(ReportRunDir, FilesOfDifferentRunsAreRefused) {
  ScratchDir tmp;
  const std::string run = tmp.file("run");
  real_run(run, experiment::DecisionMapMode::Generate, kModelInfo);
  const std::size_t rows = csv::read_file(run + "/decision_map.csv").rows.size();
  // results.json of a run on a bigger grid (a failed re-run of another task left it) beside this map:
  // one more value of the first feature.
  std::size_t points = 0;
  rewrite_results(run, [&](json& r) {
    auto& values = r["task"]["features"][0]["values"];
    points = rows / values.size() * (values.size() + 1);
    values.push_back("another");
    r["task"]["grid_points"] = points;
  });
  const std::string msg = error_of([&] { report::load_run(run, "r"); });
  EXPECT_EQ(msg, fmt::format("{}/decision_map.csv: {} rows, but results.json says the grid has {} points (files of "
                             "different runs? run the command again into an empty folder)",
                             run, rows, points));
  // Only grid_points edited: results.json itself is inconsistent, and says so first.
  rewrite_results(run, [&](json& r) { r["task"]["grid_points"] = rows + 6; });
  EXPECT_TRUE(has(error_of([&] { report::load_run(run, "r"); }), run + "/results.json: task.grid_points: "));
}

// Defence in depth: a real run masks URL credentials in the model spec, but a tampered or foreign
// results.json (or artifact beside it) may hold one anywhere; the page shows none of them.
TEST(ReportRunDir, UrlCredentialsInRunFilesNeverReachThePage) {
  ScratchDir tmp;
  const std::string run = tmp.file("run");
  real_run(run, experiment::DecisionMapMode::Generate, kModelInfo);
  const std::string url = "http://user:hunter2@127.0.0.1:9/v1";
  rewrite_results(run, [&](json& r) {
    r["model"] = {{"spec", "openai:m@" + url}, {"identity", url}};
    r["settings"]["note"] = {url, {{url, "a key"}}};  // any string, any key the page embeds
  });
  std::ofstream(run + "/stability.json") << json({{"kind", "stability"}, {"schema_version", 1}, {"model", url}}).dump();
  std::ofstream(run + "/samples.jsonl", std::ios::app)
      << json({{"index", 0}, {"stage", "followup"}, {"error", "POST " + url + "/chat: refused"}}).dump() << "\n";
  const std::string page = tmp.file("report.html");
  report::write_report({run}, page);
  std::ifstream in(page);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(html.find("hunter2"), std::string::npos);
  EXPECT_EQ(report::run_page_data(report::load_run(run, "r"))["model"], "openai:m@http://***@127.0.0.1:9/v1");
}

// `compare` and `export-training` refuse an sces.csv without its columns; the report did not.
TEST(ReportRunDir, DamagedSceFileIsRefusedNamingFileAndColumnOrLine) {
  ScratchDir tmp;
  const std::string run = tmp.file("run");
  real_run(run, experiment::DecisionMapMode::Generate, kModelInfo);
  const std::string sces = run + "/sces.csv";
  const sceval::Table real = csv::read_file(sces);
  const std::string first = csv::read_file(run + "/decision_map.csv").columns.at(1);  // index, then the features
  std::ofstream(sces, std::ios::trunc) << "index,target\n0,zzz\n";
  EXPECT_EQ(error_of([&] { report::load_run(run, "r"); }), sces + ": missing column 'sce_" + first + "' in the header");
  // A target that is not one of the task's options, on the file's third line.
  sceval::Table t = real;
  ASSERT_GE(t.rows.size(), 2u);
  t.rows[1][t.require_column("target")] = "zzz";
  csv::write_file(sces, t.columns, t.rows);
  const std::string msg = error_of([&] { report::load_run(run, "r"); });
  EXPECT_TRUE(has(msg, sces + ":3, column 'target': target \"zzz\" is not one of the task's options")) << msg;
  csv::write_file(sces, real.columns, real.rows);
  EXPECT_NO_THROW(report::load_run(run, "r"));
}

}  // namespace
}  // namespace sceval
