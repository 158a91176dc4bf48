// Lazy decision maps: a lazy audit must give, row for row, the strict scores a full-map
// run gives on the same audited rows (d_min, closest_index, validity, exact match, every strict
// metric), on the paper grids, the toy task and a 3-way task, with rule and random label maps
// (NA and off-label cells included), under all three distances. The model is RuleBackendForTests.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/csv.h"
#include "common/error.h"
#include "experiment/lazy.h"
#include "experiment/run.h"
#include "experiment/sweep.h"
#include "llm/cache/caching_backend.h"
#include "results/results_json.h"
#include "rule_backend_for_tests.h"
#include "task/registry.h"

using namespace sceval;
namespace fs = std::filesystem;

namespace {

using LabelFn = std::function<metrics::Label(grid::Index)>;

// A random map: k options with NA and off-label cells.
LabelFn random_map(grid::Index n, int k, std::uint64_t seed) {
  auto labels = std::make_shared<std::vector<metrics::Label>>(n);
  std::mt19937_64 rng(seed);
  for (auto& l : *labels) {
    auto r = rng() % 100;
    l = r < 6 ? metrics::kNA : r < 9 ? metrics::kOffLabel : static_cast<metrics::Label>(rng() % k);
  }
  return [labels](grid::Index i) { return (*labels)[i]; };
}

// A rule: the first option inside a box around the grid's middle, others outside (large regions,
// long searches).
LabelFn box_rule(const grid::Grid& g, int k) {
  return [&g, k](grid::Index i) {
    int outside = 0;
    for (std::size_t j = 0; j < g.dims(); ++j) {
      auto p = g.position(i, j), n = g.radix(j);
      outside += p * 4 < n || p * 4 >= 3 * n;
    }
    return static_cast<metrics::Label>(std::min(outside, k - 1));
  };
}

struct Runs {
  sceval::Table full, lazy;
  nlohmann::json full_json, lazy_json;
};

// experiment::run on the task named by s.task, writing s.output.
experiment::RunReport run_at(const experiment::RunSettings& s, llm::Backend& backend) {
  const task::Task t = task::resolve_task(s.task);
  experiment::RunOutput out(s.output);
  return experiment::run(t, s, backend, out);
}

experiment::RunSettings settings(const std::string& task, const fs::path& out) {
  experiment::RunSettings s;
  s.task = task;
  s.model = "rule-backend-for-tests";
  s.output = out.string();
  s.sample = 60;
  s.bootstrap.resamples = 20;
  s.max_queries_per_point = std::size_t{1} << 40;
  return s;
}

Runs run_both(const experiment::RunSettings& base, const grid::Grid& g, const LabelFn& labels) {
  Runs r;
  for (auto mode : {experiment::DecisionMapMode::Generate, experiment::DecisionMapMode::Lazy}) {
    auto s = base;
    s.decision_map = mode;
    s.output += mode == experiment::DecisionMapMode::Lazy ? "-lazy" : "-full";
    sceval::testing::RuleBackendForTests model(g, labels);
    auto rep = run_at(s, model);
    auto& table = mode == experiment::DecisionMapMode::Lazy ? r.lazy : r.full;
    table = csv::read_file(s.output + "/sces.csv");
    (mode == experiment::DecisionMapMode::Lazy ? r.lazy_json : r.full_json) = rep.results;
  }
  return r;
}

// Every strict column (and the row's inputs) equal; paper_* are not computed lazily.
void expect_same_rows(const Runs& r, const std::string& what) {
  ASSERT_EQ(r.full.rows.size(), r.lazy.rows.size()) << what;
  ASSERT_GT(r.full.rows.size(), 0u);
  for (std::size_t c = 0; c < r.full.columns.size(); ++c) {
    const std::string& name = r.full.columns[c];
    if (name.rfind("paper_", 0) == 0) continue;
    auto lc = r.lazy.column(name);
    ASSERT_TRUE(lc) << what << ": lazy sces.csv lacks " << name;
    for (std::size_t i = 0; i < r.full.rows.size(); ++i)
      ASSERT_EQ(r.full.rows[i][c], r.lazy.rows[i][*lc]) << what << " row " << i << " column " << name;
  }
  auto cens = r.lazy.column("censored");
  ASSERT_TRUE(cens);
  for (const auto& row : r.lazy.rows) EXPECT_EQ(row[*cens], "0") << what;
  EXPECT_EQ(r.full_json["strict"]["metrics"], r.lazy_json["strict"]["metrics"]) << what;
  EXPECT_EQ(r.full_json["strict"]["ci"], r.lazy_json["strict"]["ci"]) << what;
  EXPECT_EQ(r.full_json["strict"]["counts"], r.lazy_json["strict"]["counts"]) << what;
  EXPECT_EQ(r.lazy_json["decision_map"]["censored"]["count"], 0) << what;
}

std::size_t count(const sceval::Table& t, const std::string& col, const std::string& value) {
  auto c = *t.column(col);
  std::size_t n = 0;
  for (const auto& row : t.rows) n += row[c] == value;
  return n;
}

}  // namespace

TEST(Lazy, EqualsFullMapOnPaperGridsToyAndThreeWay) {
  const fs::path dir = fs::temp_directory_path() / "sceval_test_lazy";
  fs::remove_all(dir);
  std::size_t rows = 0, valid = 0, invalid = 0, exact = 0, off_grid = 0, na = 0;
  for (const std::string& name :
       std::vector<std::string>{"income", "house_prices", "heart_disease", "toy_income",
                                std::string(SCEVAL_SOURCE_DIR) + "/tasks/examples/credit_risk_3way.json"}) {
    task::Task t = task::resolve_task(name);
    grid::Grid g(t);
    const int k = static_cast<int>(t.options.size());
    for (auto kind : {task::DistanceKind::Gower, task::DistanceKind::L1Mad, task::DistanceKind::L2Std})
      for (int map = 0; map < 2; ++map) {
        const std::string what = t.name + "/" + std::string(task::to_string(kind)) + (map ? "/random" : "/rule");
        auto s = settings(name, dir / (t.name + std::to_string(static_cast<int>(kind)) + std::to_string(map)));
        s.distance = kind;
        s.all_complements = k > 2;
        auto labels = map ? random_map(g.size(), k, 7 + map) : box_rule(g, k);
        Runs r = run_both(s, g, labels);
        expect_same_rows(r, what);
        rows += r.lazy.rows.size();
        valid += count(r.lazy, "valid", "1"), invalid += count(r.lazy, "valid", "0");
        exact += count(r.lazy, "exact_match", "1"), off_grid += count(r.lazy, "status", "off_grid");
        na += count(r.lazy, "drop_reason", "original_na");
        // Fewer label queries than the grid has points (60 audited rows), on the larger grids.
        if (g.size() > 1000) {
          EXPECT_LT(r.lazy_json["decision_map"]["queried_points"].template get<std::size_t>(), g.size()) << what;
        }
      }
  }
  // The cases that exercise every branch of the scorer were present.
  EXPECT_GT(rows, 1000u);
  EXPECT_GT(valid, 100u);
  EXPECT_GT(invalid, 100u);
  EXPECT_GT(exact, 10u);
  EXPECT_GT(off_grid, 10u);
  EXPECT_GT(na, 5u);
}

TEST(Lazy, CensoredRowsKeepExactValidity) {
  const fs::path dir = fs::temp_directory_path() / "sceval_test_lazy_censored";
  fs::remove_all(dir);
  task::Task t = task::resolve_task("income");
  grid::Grid g(t);
  auto s = settings("income", dir / "r");
  auto labels = box_rule(g, 2);
  Runs r = run_both(s, g, labels);  // unlimited: the reference
  s.max_queries_per_point = 3;
  s.output = (dir / "small").string();
  s.decision_map = experiment::DecisionMapMode::Lazy;
  sceval::testing::RuleBackendForTests model(g, labels);
  auto rep = run_at(s, model);
  auto small = csv::read_file(s.output + "/sces.csv");
  const auto cens = *small.column("censored");
  std::size_t censored = 0;
  for (std::size_t i = 0; i < small.rows.size(); ++i) {
    for (const char* col : {"valid", "distance", "sce_label", "drop_reason"})
      EXPECT_EQ(small.rows[i][*small.column(col)], r.full.rows[i][*r.full.column(col)]) << "row " << i << " " << col;
    if (small.rows[i][cens] == "1") {
      ++censored;
      // d_min unknown, or (invalid SCE) its distance to the boundary unknown.
      const bool dmin_unknown = small.rows[i][*small.column("d_min")].empty();
      EXPECT_TRUE(dmin_unknown || small.rows[i][*small.column("icf")].empty()) << "row " << i;
      // Exact match is unknown for a valid SCE whose d_min is unknown; an invalid one never matches.
      const bool valid = small.rows[i][*small.column("valid")] == "1";
      if (dmin_unknown) {
        EXPECT_EQ(small.rows[i][*small.column("exact_match")], valid ? "" : "0") << "row " << i;
      }
    } else {
      for (const char* col : {"d_min", "closest_index", "rcf", "icf", "exact_match"})
        EXPECT_EQ(small.rows[i][*small.column(col)], r.full.rows[i][*r.full.column(col)]) << "row " << i << " " << col;
    }
  }
  EXPECT_GT(censored, 5u);
  EXPECT_EQ(rep.results["decision_map"]["censored"]["count"].template get<std::size_t>(), censored);
  EXPECT_LE(rep.results["decision_map"]["queries"]["max"].template get<std::size_t>(), 2 * 3u);
  EXPECT_FALSE(rep.results["paper"]["available"].template get<bool>());
}

TEST(Lazy, ResumedRunEqualsUninterrupted) {
  const fs::path dir = fs::temp_directory_path() / "sceval_test_lazy_resume";
  fs::remove_all(dir);
  fs::create_directories(dir);
  task::Task t = task::resolve_task("house_prices");
  grid::Grid g(t);
  auto labels = box_rule(g, 2);
  auto s = settings("house_prices", dir / "once");
  s.decision_map = experiment::DecisionMapMode::Lazy;
  s.chunk = 16;
  llm::CachingOptions co;
  co.chunk_size = s.chunk;
  sceval::testing::RuleBackendForTests m1(g, labels);
  co.path = (dir / "once.sqlite").string();
  llm::CachingBackend c1(m1, co);
  auto once = run_at(s, c1);
  ASSERT_GT(m1.requests, 200u);

  // Killed in the middle of the search rounds, then the same command again on the same cache.
  sceval::testing::RuleBackendForTests m2(g, labels);
  m2.fail_after = m1.requests * 2 / 3;
  co.path = (dir / "resumed.sqlite").string();
  s.output = (dir / "resumed").string();
  {
    llm::CachingBackend c2(m2, co);
    EXPECT_THROW(run_at(s, c2), std::runtime_error);
  }
  const std::size_t before_kill = m2.requests;
  m2.fail_after = static_cast<std::size_t>(-1);
  llm::CachingBackend c3(m2, co);
  auto resumed = run_at(s, c3);
  EXPECT_LT(m2.requests - before_kill, m1.requests);  // the answers before the kill were reused
  EXPECT_EQ(once.results["strict"], resumed.results["strict"]);
  EXPECT_EQ(once.results["decision_map"], resumed.results["decision_map"]);
  auto a = csv::read_file((dir / "once/sces.csv").string()), b = csv::read_file((dir / "resumed/sces.csv").string());
  EXPECT_EQ(a.rows, b.rows);
}

TEST(Lazy, AutoPicksTheCheaperMode) {
  experiment::RunSettings s;
  s.decision_map = experiment::DecisionMapMode::Auto;
  s.sample = 100;
  s.max_queries_per_point = 1000;
  task::Task income = task::resolve_task("income");
  grid::Grid small(income);  // 1,936 points <= 100 x 1000: the full map
  EXPECT_FALSE(experiment::wants_lazy(s, small));
  s.sample = 1;
  s.max_queries_per_point = 100;  // 1,936 > 1 x 100: lazy
  EXPECT_TRUE(experiment::wants_lazy(s, small));
}

TEST(Lazy, AuditsTheTenFeatureIncomeGrid) {
  const fs::path dir = fs::temp_directory_path() / "sceval_test_lazy_10d";
  fs::remove_all(dir);
  const std::string path = std::string(SCEVAL_SOURCE_DIR) + "/tasks/acs/income_10d.json";
  task::Task t = task::resolve_task(path);
  grid::Grid g(t);
  ASSERT_EQ(g.size(), 576444211200u);  // 80 x 9 x 24 x 5 x 26 x 8 x 18 x 99 x 2 x 9
  // Stripes in age and education: the boundary is a few age steps from every point.
  auto labels = [&g](grid::Index i) {
    return static_cast<metrics::Label>((g.position(i, 0) + 3 * g.position(i, 2)) % 20 < 10 ? 1 : 0);
  };
  auto s = settings(path, dir / "run");
  s.decision_map = experiment::DecisionMapMode::Auto;  // the grid is far too big: lazy
  s.sample = 20;
  s.max_queries_per_point = 400;
  sceval::testing::RuleBackendForTests model(g, labels);
  auto rep = run_at(s, model);
  EXPECT_EQ(rep.results["decision_map"]["mode"], "lazy");
  EXPECT_EQ(rep.results["decision_map"]["grid_points"].template get<std::uint64_t>(), g.size());
  auto sces = csv::read_file(s.output + "/sces.csv");
  ASSERT_EQ(sces.rows.size(), 20u);
  grid::Distance exact(g, t.distance, grid::Arithmetic::Exact);
  std::size_t checked = 0;
  for (const auto& row : sces.rows) {
    const std::string& ci = row[*sces.column("closest_index")];
    if (ci.empty()) continue;
    // The closest counterfactual has the requested label and lies at d_min (hand-checkable facts;
    // minimality itself is checked against the full map on the smaller grids above).
    const grid::Index c = std::stoull(ci), x = std::stoull(row[*sces.column("index")]);
    EXPECT_EQ(t.options[labels(c)], row[*sces.column("target")]);
    EXPECT_NEAR(exact(x, c), std::stod(row[*sces.column("d_min")]), 1e-12);
    ++checked;
  }
  EXPECT_GT(checked, 10u);
  s.sample.reset();  // a 5.8e11-point grid needs --sample or --limit
  s.output = (dir / "none").string();
  EXPECT_THROW(run_at(s, model), Error);
}

// --limit on a huge grid: the first N points, never past the grid's end, and a selection too large
// to hold is refused before it is allocated (it was allocated whole: 10^15 indices).
TEST(Lazy, LimitOnAHugeGridIsBoundedAndChecked) {
  task::Task t = task::resolve_task(std::string(SCEVAL_SOURCE_DIR) + "/tasks/acs/income_10d.json");
  grid::Grid g(t);
  experiment::RunSettings s;
  s.decision_map = experiment::DecisionMapMode::Lazy;
  s.limit = 3;
  EXPECT_EQ(experiment::select_points_lazy(g, s), (std::vector<grid::Index>{0, 1, 2}));
  s.limit = std::size_t{1} << 60;  // more than the grid's 5.8e11 points, and than any memory
  try {
    experiment::check_run(t, g, s);
    ADD_FAILURE() << "a selection of 5.8e11 points was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("576444211200 points selected by --limit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(experiment::select_points_lazy(g, s), Error);
}

// A lazy cell in a sweep: no paper metrics and no baselines; its summary row leaves those cells
// empty (the summary read them as if present, undefined behaviour on a const json).
TEST(Lazy, SweepSummaryOfALazyCell) {
  const fs::path dir = fs::temp_directory_path() / "sceval_test_lazy_summary";
  fs::remove_all(dir);
  task::Task t = task::resolve_task("income");
  grid::Grid g(t);
  auto s = settings("income", dir / "m__income");
  s.decision_map = experiment::DecisionMapMode::Lazy;
  sceval::testing::RuleBackendForTests model(g, box_rule(g, 2));
  auto rep = run_at(s, model);
  ASSERT_FALSE(rep.results["paper"].contains("metrics"));
  ASSERT_EQ(experiment::write_summary(dir.string()), 1u);
  auto sum = csv::read_file((dir / "summary.csv").string());
  ASSERT_EQ(sum.rows.size(), 1u);
  const auto& row = sum.rows[0];
  EXPECT_EQ(row[*sum.column("cell")], "m__income");
  EXPECT_EQ(row[*sum.column("strict_n")], std::to_string(rep.results["strict"]["metrics"]["n"].get<int>()));
  EXPECT_EQ(row[*sum.column("paper_n")], "");
  EXPECT_EQ(row[*sum.column("random_valid_mean_rcf_a")], "");
  fs::remove_all(dir);
}
