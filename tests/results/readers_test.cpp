// Hostile input, the results readers: columns that collide or are unknown, index/feature disagreement,
// SCE rows that ask for the point's own label, tampered results.json, grids too big for memory.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "error_helpers.h"
#include "common/csv.h"
#include "common/error.h"
#include "common/warning.h"
#include "experiment/baselines.h"
#include "metrics/aggregate.h"
#include "metrics/score.h"
#include "report/run_dir.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "results/results_schema.h"
#include "results/sce_csv.h"
#include "support.h"
#include "task/registry.h"

namespace sceval {
namespace {

using sceval::testing::error_of;
using sceval::testing::has;

namespace fs = std::filesystem;
using nlohmann::json;

// A 3 x 2 grid: a in 0..2 (slow), b in 0..1; labels "label 0" / "label 1".
task::Task small_task() {
  return testing::make_task({testing::integer_feature("a", 0, 2), testing::integer_feature("b", 0, 1)});
}

TEST(ResultsReaders, DecisionMapDuplicateHeader) {
  task::Task t = small_task();
  grid::Grid g(t);
  const std::string msg =
      error_of([&] { results::read_decision_map(g, csv::parse("index,label,a,label\n", "d.csv")); });
  EXPECT_TRUE(has(msg, "d.csv:1: column 'label' appears twice")) << msg;
}

TEST(ResultsReaders, UnknownColumnsGetOneWarningLine) {
  task::Task t = small_task();
  grid::Grid g(t);
  std::vector<std::string> warnings;
  auto old = set_warning_sink([&](const std::string& w) { warnings.push_back(w); });
  auto map =
      results::read_decision_map(g, csv::parse("index,a,lable,label,p_label 0,extra\n0,0,x,label 1,0.2,y\n", "u.csv"));
  set_warning_sink(old);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "u.csv: ignoring unknown columns lable, extra");
  EXPECT_EQ(map.labels[0], 1);
  EXPECT_DOUBLE_EQ(map.probabilities[0][0], 0.2);
}

// An empty probability cell means "none"; a written NaN is no probability (it was taken as none).
TEST(ResultsReaders, NanIsNoProbability) {
  task::Task t = small_task();
  grid::Grid g(t);
  for (const char* bad : {"nan", "NaN", "-nan", "inf"}) {
    const std::string msg = error_of([&] {
      results::read_decision_map(g, csv::parse(fmt::format("index,label,p_label 0\n0,label 1,{}\n", bad), "p.csv"));
    });
    EXPECT_TRUE(has(msg, fmt::format("p.csv:2, column 'p_label 0': expected a probability in [0, 1], got \"{}\"", bad)))
        << msg;
  }
  auto map = results::read_decision_map(g, csv::parse("index,label,p_label 0\n0,label 1,\n", "p.csv"));
  EXPECT_TRUE(std::isnan(map.probabilities[0][0]));
}

TEST(ResultsReaders, SceUnknownColumnsGetOneWarningLine) {
  task::Task t = small_task();
  grid::Grid g(t);
  std::vector<std::string> warnings;
  auto old = set_warning_sink([&](const std::string& w) { warnings.push_back(w); });
  // Every column sceval writes is known, `censored` (lazy runs) included; misspelt ones are listed.
  results::read_sces(
      g, csv::parse("index,orig_a,target,sce_a,sce_b,valid,paper_valid,censored\n0,0,label 1,2,0,1,1,0\n", "lazy.csv"));
  const std::size_t after_known = warnings.size();
  results::read_sces(g, csv::parse("index,target,sce_a,sce_b,sce_c,vaild,censored\n0,label 1,2,0,x,1,0\n", "s.csv"));
  set_warning_sink(old);
  EXPECT_EQ(after_known, 0u) << (warnings.empty() ? "" : warnings[0]);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "s.csv: ignoring unknown columns sce_c, vaild");
}

TEST(ResultsReaders, FeatureColumnsAreCheckedAgainstTheIndexEvenWhenSomeAreMissing) {
  task::Task t = small_task();
  grid::Grid g(t);
  // Point 3 is a = 1, b = 1 (b is the fast axis). Column b is missing; a says 2.
  const std::string msg = error_of(
      [&] { results::read_decision_map(g, csv::parse("index,a,label\n0,0,label 0\n3,2,label 1\n", "i.csv")); });
  EXPECT_TRUE(has(msg, "i.csv:3, column 'a': index 3 has a = 1, but the row says 2")) << msg;
  EXPECT_NO_THROW(results::read_decision_map(g, csv::parse("index,a,label\n3,1,label 1\n", "ok.csv")));
  const std::string sce = error_of(
      [&] { results::read_sces(g, csv::parse("index,orig_b,target,sce_a,sce_b\n3,0,label 0,0,0\n", "s.csv")); });
  EXPECT_TRUE(has(sce, "s.csv:2, column 'orig_b': index 3 has b = 1, but the row says 0")) << sce;
}

TEST(ResultsReaders, TargetEqualToOwnLabelIsDroppedNeverValid) {
  task::Task t = small_task();
  grid::Grid g(t);
  // Labels by hand: a == 2 -> label 1, else label 0.
  auto map = results::read_decision_map(
      g, csv::parse("index,label\n0,label 0\n1,label 0\n2,label 0\n3,label 0\n4,label 1\n5,label 1\n", "m.csv"));
  // Row 1: point 0 asks for its own label 0 and "changes" nothing. Row 2: a real, valid SCE (0 -> 4).
  auto sces = results::read_sces(g, csv::parse("index,target,sce_a,sce_b\n0,label 0,0,0\n0,label 1,2,0\n", "s.csv"));
  grid::Distance dist(g, task::DistanceKind::Gower, grid::Arithmetic::Exact);
  for (auto mode : {metrics::Mode::Strict, metrics::Mode::Paper}) {
    grid::Distance d(g, task::DistanceKind::Gower,
                     mode == metrics::Mode::Paper ? grid::Arithmetic::Paper : grid::Arithmetic::Exact);
    metrics::Scorer scorer(d, map, mode);
    auto own = scorer.score(sces[0]), real = scorer.score(sces[1]);
    EXPECT_FALSE(own.kept);
    EXPECT_EQ(own.drop_reason, "target_is_own_label");
    EXPECT_FALSE(own.valid.has_value());
    EXPECT_TRUE(real.kept && *real.valid);
    // Validity over kept rows: 1 of 1 (the own-label row would have made it 2 of 2 "valid").
    EXPECT_DOUBLE_EQ(metrics::aggregate({own, real}).validity, 1.0);
    EXPECT_DOUBLE_EQ(metrics::aggregate({own, real}).n, 1.0);
  }
}

json minimal_results() {
  json mode = {{"arithmetic", "exact"},
               {"distance", "gower"},
               {"metrics",
                {{"n", 3},
                 {"validity", 0.5},
                 {"mean_distance", 0.2},
                 {"mean_rcf_a", 0.1},
                 {"exact_match", 0.0},
                 {"tm", nullptr}}},
               {"ci", {{"validity", {0.1, 0.9}}}},
               {"counts", {{"total", 4}, {"by_status", {{"ok", 3}}}}}};
  return {{"schema_version", 1},
          {"task",
           {{"name", "x"},
            {"options", {"a", "b"}},
            {"grid_points", 6},
            {"features", {{{"name", "a"}, {"values", {"0", "1", "2"}}}, {{"name", "b"}, {"values", {"0", "1"}}}}}}},
          {"decision_map", {{"labels", {{"a", 3}, {"b", 3}}}}},
          {"paper", mode},
          {"strict", mode},
          {"complete", true},
          {"model", {{"spec", "openai:m@http://h/v1"}, {"identity", "h m"}}},
          {"requests", {{"total", 10}, {"failed", 0}}},
          {"baselines", {{"oracle", {{"paper", mode}, {"strict", mode}}}}}};
}

TEST(ResultsReaders, ResultsJsonSchema) {
  EXPECT_NO_THROW(results::validate_results_json(minimal_results(), "r.json"));
  struct Case {
    const char* pointer;
    json value;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"/strict/metrics/validity", 7.5, "r.json: strict.metrics.validity: 7.5 is outside [0, 1]"},
      {"/strict/metrics/validity", "high", "r.json: strict.metrics.validity: expected a number or null"},
      {"/paper/metrics/n", -4, "r.json: paper.metrics.n: expected a count >= 0"},
      {"/strict/metrics/mean_distance", -1, "r.json: strict.metrics.mean_distance"},
      {"/strict/ci/validity", json::array({0.1}), "r.json: strict.ci.validity: expected [low, high]"},
      {"/task/options", json::array({"a"}), "r.json: task.options"},
      {"/task/grid_points", "many", "r.json: task.grid_points"},
      {"/schema_version", 2, "r.json: schema_version: 2 (this sceval reads 1)"},
      {"/complete", "yes", "r.json: complete"},
      // Parts the page, compare and sweep summaries read.
      {"/strict/metrics/tm", nullptr, "(no error)"},
      {"/strict/ci/validity", json::array({0.9, 0.1}), "r.json: strict.ci.validity: low 0.9 is above high 0.1"},
      {"/strict/ci/exact_match", json::array({0.1, 1.5}), "r.json: strict.ci.exact_match[1]: 1.5 is outside [0, 1]"},
      {"/paper/counts/total", -1, "r.json: paper.counts.total: expected a count >= 0, got -1"},
      {"/paper/counts/by_status/ok", "3", "r.json: paper.counts.by_status.ok: expected a count >= 0, got \"3\""},
      {"/task/features/0/values/1", 1, "r.json: task.features[0].values[1]: expected a string, got number"},
      {"/task/features", "a,b", "r.json: task.features: expected a non-empty array of features, got \"a,b\""},
      // The grid the features span is the grid the run had (every reader once exited 0 on this).
      {"/task/features", json::array(), "r.json: task.features: expected a non-empty array of features, got []"},
      {"/task/features/1/values", json::array(), "r.json: task.features[1].values: expected at least one value"},
      {"/task/grid_points", 5, "r.json: task.grid_points: 5, but task.features span a grid of 6 points"},
      {"/task/grid_points", -6, "r.json: task.grid_points: expected a number of grid points >= 0, got -6"},
      {"/task/features/1/values/2", "2", "r.json: task.grid_points: 6, but task.features span a grid of 9 points"},
      {"/decision_map/grid_points", 7, "r.json: decision_map.grid_points: 7, but task.grid_points is 6"},
      {"/decision_map/mode", 5, "r.json: decision_map.mode: expected a string, got number"},
      {"/decision_map/labels/NA", -1, "r.json: decision_map.labels.NA: expected a count >= 0, got -1"},
      {"/model", nullptr, "(no error)"},  // a library caller that gave no model info
      {"/model", "m", "r.json: model: expected an object, got string"},
      {"/model/spec", 5, "r.json: model.spec: expected a string, got number"},
      {"/requests/total", "many", "r.json: requests.total: expected a count >= 0, got \"many\""},
      {"/baselines/oracle", "oops", "r.json: baselines.oracle: expected an object, got string"},
      {"/baselines/oracle/strict/metrics/validity", 7.5,
       "r.json: baselines.oracle.strict.metrics.validity: 7.5 is outside [0, 1]"},
      {"/baselines/oracle/paper/metrics", json::object(),
       "r.json: baselines.oracle.paper.metrics: needs n, validity, mean_rcf_a, exact_match, tm (missing n)"},
      {"/baselines/available", "no", "r.json: baselines.available: expected true or false"},
      {"/baselines/reason", 1, "r.json: baselines.reason: expected a string, got number"},
  };
  for (const auto& c : cases) {
    json j = minimal_results();
    j[json::json_pointer(c.pointer)] = c.value;
    const std::string msg = error_of([&] { results::validate_results_json(j, "r.json"); });
    EXPECT_TRUE(has(msg, c.field)) << c.pointer << ": " << msg;
  }
  json j = minimal_results();
  j.erase("strict");
  EXPECT_TRUE(has(error_of([&] { results::validate_results_json(j, "r.json"); }), "r.json: strict: missing"));
  // Readers index these without looking first: a metrics block or a baseline without them is refused.
  j = minimal_results();
  j["strict"]["metrics"].erase("mean_rcf_a");
  EXPECT_EQ(error_of([&] { results::validate_results_json(j, "r.json"); }),
            "r.json: strict.metrics: needs n, validity, mean_rcf_a, exact_match, tm (missing mean_rcf_a)");
  j = minimal_results();
  j["baselines"]["oracle"].erase("paper");
  EXPECT_EQ(error_of([&] { results::validate_results_json(j, "r.json"); }), "r.json: baselines.oracle.paper: missing");
  // A lazy run's grid may exceed int64 (up to 2^64 - 1 points): checked exactly, without overflow.
  j = minimal_results();
  j["task"]["features"] = json::array();
  for (int f = 0; f < 4; ++f) {
    json values = json::array();
    for (int v = 0; v < 65536; ++v) values.push_back(std::to_string(v));
    j["task"]["features"].push_back({{"name", "f" + std::to_string(f)}, {"values", values}});
  }
  j["task"]["grid_points"] = std::uint64_t{18446744073709551615u};  // 2^64 - 1: 65536^4 is 2^64
  EXPECT_EQ(
      error_of([&] { results::validate_results_json(j, "r.json"); }),
      "r.json: task.grid_points: 18446744073709551615, but task.features span a grid of more than "
      "18446744073709551615 points (the product of their value counts; files of different runs, or an edited file?)");
  j["task"]["features"][3]["values"].erase(65535);  // 65536^3 * 65535 = 2^64 - 2^48
  j["task"]["grid_points"] = std::uint64_t{18446462598732840960u};
  EXPECT_NO_THROW(results::validate_results_json(j, "r.json"));
  j["task"]["grid_points"] = std::uint64_t{18446462598732840961u};
  EXPECT_TRUE(has(error_of([&] { results::validate_results_json(j, "r.json"); }),
                  "span a grid of 18446462598732840960 points"));
  // A lazy run: paper and baselines unavailable, with the reason.
  j = minimal_results();
  j["paper"] = {{"available", false}, {"reason", "needs the full map"}};
  j["baselines"] = {{"available", false}, {"reason", "needs the full map"}};
  EXPECT_NO_THROW(results::validate_results_json(j, "r.json"));
}

TEST(ResultsReaders, RealOutputPassesTheSchemaAndTamperedRunsAreRefused) {
  const std::string ex = std::string(SCEVAL_SOURCE_DIR) + "/examples/income-rule/";
  task::Task t = task::resolve_task("income");
  grid::Grid g(t);
  auto map = results::read_decision_map(g, ex + "decision_map.csv");
  auto sces = results::read_sces(g, ex + "sces.csv");
  grid::Distance pd(g, t.distance, grid::Arithmetic::Paper), sd(g, t.distance, grid::Arithmetic::Exact);
  metrics::Scorer paper(pd, map, metrics::Mode::Paper), strict(sd, map, metrics::Mode::Strict);
  std::vector<metrics::SceScore> ps, ss;
  for (const auto& s : sces) ps.push_back(paper.score(s)), ss.push_back(strict.score(s));
  metrics::BootstrapSettings bs;
  bs.resamples = 20;
  // As `sceval score` writes it: with the baselines (and a model, as `run` adds).
  const json extra = {
      {"baselines", experiment::baselines_json(g, map, t.distance, experiment::baseline_rows(sces), 42, bs)},
      {"model", {{"kind", "function"}, {"spec", "function:rule"}, {"identity", "rule"}}}};
  json r = results::results_json(t, g, map, t.distance, results::mode_json(pd, ps, sces, bs),
                                 results::mode_json(sd, ss, sces, bs), bs, extra);
  ASSERT_EQ(r["baselines"].size(), 3u);
  EXPECT_NO_THROW(results::validate_results_json(r, "real"));

  char tmpl[] = "/tmp/sceval-run-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::string dir = tmpl;
  results::write_decision_map(g, map, dir + "/decision_map.csv");
  results::write_sces(g, map, sces, ss, ps, dir + "/sces.csv");
  results::write_json(r, dir + "/results.json");
  EXPECT_NO_THROW(report::load_run(dir, "run"));
  r["strict"]["metrics"]["validity"] = 7.5;
  results::write_json(r, dir + "/results.json");
  const std::string msg = error_of([&] { report::load_run(dir, "run"); });
  EXPECT_TRUE(has(msg, dir + "/results.json: strict.metrics.validity")) << msg;
  r["strict"]["metrics"]["validity"] = 0.5;
  r["baselines"]["oracle"]["strict"]["metrics"]["validity"] = 7.5;  // rendered as 750 % before
  results::write_json(r, dir + "/results.json");
  EXPECT_EQ(error_of([&] { report::load_run(dir, "run"); }),
            dir + "/results.json: baselines.oracle.strict.metrics.validity: 7.5 is outside [0, 1]");
  fs::remove_all(dir);
}

// A file that is no decision map (or SCE file) fails at its header, before the rest is read: here a
// broken line further on would otherwise be the first error.
TEST(ResultsReaders, FilesWithoutTheKeyColumnFailAtTheHeader) {
  char tmpl[] = "/tmp/sceval-header-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::string path = std::string(tmpl) + "/garbage.csv";
  std::ofstream(path) << "aGVsbG8gd29ybGQ\nd29ybGQgaGVsbG8\nbroken \"quote\n";
  grid::Grid g(small_task());
  EXPECT_EQ(error_of([&] { results::read_decision_map(g, path); }), path + ": missing column 'label' in the header");
  EXPECT_EQ(error_of([&] { results::read_sces(g, path); }), path + ": missing column 'target' in the header");
  fs::remove_all(tmpl);
}

TEST(ResultsReaders, HugeGridsAreRefusedBeforeAllocating) {
  // 10^6^3 = 10^18 points: a full map would need exabytes.
  task::Task t = testing::make_task({testing::integer_feature("a", 0, 999999), testing::integer_feature("b", 0, 999999),
                                     testing::integer_feature("c", 0, 999999)});
  grid::Grid g(t);
  const std::string msg = error_of([&] { metrics::DecisionMap::all_na(g); });
  EXPECT_TRUE(has(msg, "1000000000000000000 points")) << msg;
  EXPECT_TRUE(has(msg, "--decision-map lazy")) << msg;
  EXPECT_TRUE(has(msg, "GB")) << msg;
  const std::string read =
      error_of([&] { results::read_decision_map(g, csv::parse("index,label\n0,label 0\n", "h.csv")); });
  EXPECT_TRUE(has(read, "--decision-map lazy")) << read;
}

}  // namespace
}  // namespace sceval
