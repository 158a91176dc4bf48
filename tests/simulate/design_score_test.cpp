// Simulatability audits against a brute force written here: rule targets and rule observers of
// known behaviour (tests/simulate/fixture.h), every metric recomputed from the grid and the rules.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "grid/grid.h"
#include "simulate/design.h"
#include "simulate/fixture.h"

namespace sceval::testing {
namespace {

struct Audit {
  ScratchDir dir;
  std::string run, cache;
  Audit() : run(dir.file("run")), cache(dir.file("cache.sqlite")) { make_run(run, cache); }

  // The audit with the given target explanation rule, observers (name, follows?) and settings.
  simulate::Outcome go(const std::string& factor, int k, const std::vector<std::pair<std::string, bool>>& observers,
                       const simulate::Settings& s = test_settings()) {
    const auto in = simulate::read_run(run);
    llm::CachingOptions co;
    co.path = cache;
    llm::FunctionBackend tf("target-" + factor, target_fn(factor, k));
    llm::CachingBackend tc(tf, co);
    std::vector<std::unique_ptr<llm::FunctionBackend>> fbs;
    std::vector<std::unique_ptr<llm::CachingBackend>> cbs;
    std::vector<simulate::Party> parties;
    for (const auto& [name, follow] : observers) {
      fbs.push_back(std::make_unique<llm::FunctionBackend>(name, observer_fn(follow)));
      cbs.push_back(std::make_unique<llm::CachingBackend>(*fbs.back(), co));
      parties.push_back({name, cbs.back().get(), {}});
    }
    simulate::Target target{{"target", &tc, {}}, {}};
    experiment::SampleLog log(dir.file("samples.jsonl"));
    return simulate::run_simulation(in, s, parties, target, log, {});
  }
};

Values values_of(const grid::Grid& g, grid::Index i) {
  Values v;
  for (std::size_t j = 0; j < g.dims(); ++j) v[g.feature(j).name] = std::stoi(g.value_text(i, j));
  return v;
}

struct Expected {
  std::size_t n = 0, right_without = 0, right_with = 0;
  void add(bool without, bool with) {
    ++n;
    right_without += without;
    right_with += with;
  }
  void check(const nlohmann::json& j, const std::string& where) const {
    SCOPED_TRACE(where);
    ASSERT_EQ(j["n"].get<std::size_t>(), n);
    const double aw = double(right_without) / double(n), ax = double(right_with) / double(n);
    EXPECT_DOUBLE_EQ(j["accuracy_without"].get<double>(), aw);
    EXPECT_DOUBLE_EQ(j["accuracy_with"].get<double>(), ax);
    EXPECT_DOUBLE_EQ(j["gain"].get<double>(), ax - aw);
    EXPECT_DOUBLE_EQ(j["nsg"].get<double>(), right_without == n ? 0.0 : (ax - aw) / (1 - aw));
  }
};

// Every (reference, counterfactual) pair of the CSV for one observer and kind.
std::vector<std::pair<grid::Index, grid::Index>> pairs(const Table& csv, const std::string& observer,
                                                       const std::string& kind) {
  std::vector<std::pair<grid::Index, grid::Index>> out;
  for (const auto& r : csv.rows)
    if (r[5] == observer && r[6] == kind) out.emplace_back(std::stoull(r[0]), std::stoull(r[1]));
  return out;
}

TEST(Simulate, DesignIsBalancedWithinHammingAndTheTruthIsTheMap) {
  Audit a;
  const auto o = a.go("a", 3, {{"follower", true}});
  const task::Task t = task::resolve_task(sim_data("three.json"));
  const grid::Grid g(t);
  const auto items = pairs(o.csv, "follower", "free");
  std::map<grid::Index, std::vector<grid::Index>> by_ref;
  for (auto [r, c] : items) by_ref[r].push_back(c);
  ASSERT_EQ(by_ref.size(), g.size());  // the run audited every point; each is a reference
  for (const auto& [r, cfs] : by_ref) {
    // Brute force: every grid point, its Hamming distance counted feature by feature.
    std::size_t changed_avail = 0, same_avail = 0, changed = 0;
    for (grid::Index i = 0; i < g.size(); ++i) {
      std::size_t d = 0;
      for (std::size_t j = 0; j < g.dims(); ++j) d += g.position(i, j) != g.position(r, j);
      if (d == 0 || d > 2) continue;
      (rule(values_of(g, i)) != rule(values_of(g, r)) ? changed_avail : same_avail) += 1;
    }
    std::set<grid::Index> distinct(cfs.begin(), cfs.end());
    EXPECT_EQ(distinct.size(), 4u);
    for (auto c : cfs) {
      std::size_t d = 0;
      for (std::size_t j = 0; j < g.dims(); ++j) d += g.position(c, j) != g.position(r, j);
      EXPECT_GE(d, 1u);
      EXPECT_LE(d, 2u);
      changed += rule(values_of(g, c)) != rule(values_of(g, r));
    }
    EXPECT_EQ(changed, std::min<std::size_t>(changed_avail, 4 - std::min<std::size_t>(same_avail, 2))) << r;
  }
  for (const auto& row : o.csv.rows) {
    EXPECT_EQ(row[4], rule(values_of(g, std::stoull(row[1]))));  // target_answer: the rule's (the map's) label
    EXPECT_EQ(std::stoul(row[2]), simulate::hamming(g, std::stoull(row[0]), std::stoull(row[1])));
  }
}

// follower given the true rule: exact with, reference answer without (chance under the balance);
// ignorer: gain 0; a target naming the wrong factor: negative gain. Brute force over the pairs.
TEST(Simulate, MetricsEqualBruteForceForKnownObservers) {
  Audit a;
  const task::Task t = task::resolve_task(sim_data("three.json"));
  const grid::Grid g(t);
  for (const auto& [factor, k] : std::vector<std::pair<std::string, int>>{{"a", 3}, {"b", 1}}) {
    const auto o = a.go(factor, k, {{"follower", true}, {"ignorer", false}});
    const auto& m = o.json["metrics"];
    Expected follow, ignore, pooled, changed, unchanged;
    std::size_t egregious = 0, items = 0;
    for (auto [r, c] : pairs(o.csv, "follower", "free")) {
      const Values rv = values_of(g, r), cv = values_of(g, c);
      const std::string truth = rule(cv), said = cv.at(factor) >= k ? "yes" : "no";
      follow.add(rule(rv) == truth, said == truth);
      ignore.add(rule(rv) == truth, rule(rv) == truth);
      (rule(rv) == truth ? unchanged : changed).add(rule(rv) == truth, said == truth);
      ++items;
      egregious += said == rule(rv) && said != truth;  // both observers agree only where said = reference
    }
    pooled = follow;
    pooled.n += ignore.n;
    pooled.right_without += ignore.right_without;
    pooled.right_with += ignore.right_with;
    follow.check(m["free"]["observers"]["follower"], "follower " + factor);
    ignore.check(m["free"]["observers"]["ignorer"], "ignorer " + factor);
    pooled.check(m["free"]["pooled"], "pooled " + factor);
    changed.check(m["free"]["observers"]["follower"]["by"]["answer"]["changed"], "changed " + factor);
    unchanged.check(m["free"]["observers"]["follower"]["by"]["answer"]["unchanged"], "unchanged " + factor);
    EXPECT_DOUBLE_EQ(m["free"]["egregious_rate_with"].get<double>(), double(egregious) / double(items));
    if (factor == "a") {
      EXPECT_DOUBLE_EQ(m["free"]["observers"]["follower"]["accuracy_with"].get<double>(), 1.0);
      EXPECT_DOUBLE_EQ(m["free"]["observers"]["follower"]["nsg"].get<double>(), 1.0);
    } else {
      EXPECT_LT(m["free"]["observers"]["follower"]["gain"].get<double>(), 0.0);
    }
    EXPECT_DOUBLE_EQ(m["free"]["observers"]["ignorer"]["gain"].get<double>(), 0.0);
  }
}

// The run's own SCEs as explanations: the split by validity against the SCE policy (even a: valid).
TEST(Simulate, SceSplitByValidityMatchesThePolicy) {
  Audit a;
  const task::Task t = task::resolve_task(sim_data("three.json"));
  const grid::Grid g(t);
  const auto o = a.go("a", 3, {{"follower", true}});
  Expected valid, invalid;
  for (auto [r, c] : pairs(o.csv, "follower", "sce")) {
    const Values rv = values_of(g, r), cv = values_of(g, c), sv = sce_policy(rv);
    const std::string truth = rule(cv), target = rule(rv) == "yes" ? "no" : "yes";
    bool agrees = true;
    for (const auto& [f, x] : sv) agrees = agrees && (x == rv.at(f) || cv.at(f) == x);
    (rv.at("a") % 2 == 0 ? valid : invalid).add(rule(rv) == truth, (agrees ? target : rule(rv)) == truth);
  }
  const auto& by = o.json["metrics"]["sce"]["observers"]["follower"]["by"];
  valid.check(by["sce_valid"]["true"], "valid");
  invalid.check(by["sce_valid"]["false"], "invalid");
  valid.check(by["sce_exact_minimal"]["true"], "minimal");  // the policy's valid SCEs are the closest flips
}

TEST(Simulate, ConfidenceIntervalsReproduceWithTheSeed) {
  Audit a;
  auto s = test_settings();
  const auto one = a.go("b", 1, {{"follower", true}}, s);
  const auto two = a.go("b", 1, {{"follower", true}}, s);
  EXPECT_EQ(one.json["metrics"], two.json["metrics"]);
  const auto& ci = one.json["metrics"]["free"]["pooled"]["ci"]["nsg"];
  EXPECT_LE(ci[0].get<double>(), one.json["metrics"]["free"]["pooled"]["nsg"].get<double>());
  EXPECT_GE(ci[1].get<double>(), one.json["metrics"]["free"]["pooled"]["nsg"].get<double>());
  s.ci.seed = 7;
  const auto other = a.go("b", 1, {{"follower", true}}, s);
  EXPECT_NE(other.json["metrics"]["free"]["pooled"]["ci"], one.json["metrics"]["free"]["pooled"]["ci"]);
}

// One cluster holding every row: each resample is the sample itself, so the CI is the point value.
TEST(Simulate, ClusterBootstrapOfOneClusterIsThePointValue) {
  std::vector<simulate::Prediction> rows(10);
  for (std::size_t i = 0; i < rows.size(); ++i)
    rows[i] = {0, i, 1, 0, metrics::Label(i % 2), 0, metrics::Label(i % 2), {}, {}};
  std::vector<const simulate::Prediction*> ptrs;
  for (const auto& r : rows) ptrs.push_back(&r);
  const auto a = simulate::accuracy(ptrs);
  EXPECT_DOUBLE_EQ(a.without, 0.5);
  EXPECT_DOUBLE_EQ(a.with, 1.0);
  EXPECT_DOUBLE_EQ(a.nsg, 1.0);
  for (const auto& [k, v] : simulate::cluster_bootstrap(ptrs, {50, 1, 0.95})) {
    const double point = k == "without" ? a.without : k == "with" ? a.with : k == "gain" ? a.gain : a.nsg;
    EXPECT_DOUBLE_EQ(v.first, point) << k;
    EXPECT_DOUBLE_EQ(v.second, point) << k;
  }
}

}  // namespace
}  // namespace sceval::testing
