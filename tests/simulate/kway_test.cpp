// A k-way run (three labels, one SCE per other label) audited with `sce` explanations: every SCE of
// a reference is its own explanation and its own row, checked against a brute force written here
// from the grid, the target's rule and SCE policy, and the follower observer's rule.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "grid/grid.h"
#include "simulate/fixture.h"

namespace sceval::testing {
namespace {

const std::vector<std::string> kLabels = {"low", "mid", "high"};

std::string rule3(int a) { return a < 2 ? "low" : a < 4 ? "mid" : "high"; }

// The target's SCE for `want`: even a moves a to the closest value of that label (valid, exactly
// minimal: only a decides); odd a moves c (invalid).
Values sce3(Values v, const std::string& want) {
  if (v.at("a") % 2 == 0) {
    int best = -1;
    for (int a = 0; a <= 5; ++a)
      if (rule3(a) == want && (best < 0 || std::abs(a - v.at("a")) < std::abs(best - v.at("a")))) best = a;
    v["a"] = best;
  } else {
    v["c"] = (v.at("c") + 1) % 3;
  }
  return v;
}

llm::GenerateFn target3() {
  return [](std::span<const llm::GenerationRequest> batch) {
    std::vector<std::string> out;
    static const std::regex want(R"(make your answer (\w+)\?)");
    for (const auto& r : batch) {
      const Values v = values_between("TOP\n" + r.messages.front().content, "TOP", "yes or no?");
      std::smatch m;
      if (r.messages.size() > 1 && std::regex_search(r.messages.back().content, m, want))
        out.push_back(nlohmann::json(sce3(v, m[1])).dump());
      else
        out.push_back(nlohmann::json{{"answer", rule3(v.at("a"))}}.dump());
    }
    return out;
  };
}

TEST(SimulateKWay, EverySceOfAReferenceIsItsOwnExplanationScoredAgainstABruteForce) {
  ScratchDir dir;
  const std::string path = sim_data("three_way.json");
  const task::Task t = task::resolve_task(path);
  const grid::Grid g(t);
  {
    experiment::RunSettings s;
    s.task = path;
    s.model = "rule3";
    s.output = dir.file("run");
    s.bootstrap.resamples = 0;
    s.all_complements = true;
    s.recorded["task"] = path;
    llm::FunctionBackend fb("rule3", target3());
    experiment::RunOutput out(s.output);
    experiment::run(t, s, fb, out);
  }
  const auto in = simulate::read_run(dir.file("run"));
  ASSERT_EQ(in.sces.size(), 2 * g.size());  // two SCEs per point
  llm::FunctionBackend of("follower", observer_fn(true));
  simulate::Settings s = test_settings();
  s.free = false;
  simulate::Target target{{"target", nullptr, {}}, {}};
  experiment::SampleLog log(dir.file("samples.jsonl"));
  const auto o = simulate::run_simulation(in, s, {{"follower", &of, {}}}, target, log, {});

  auto values = [&](grid::Index i) {
    const auto r = g.record(i);
    return Values{{"a", static_cast<int>(r[0])}, {"b", static_cast<int>(r[1])}, {"c", static_cast<int>(r[2])}};
  };
  const auto col = [&](const std::string& name) { return o.csv.require_column(name); };
  std::map<std::pair<std::string, std::string>, std::set<std::string>> targets_of_pair;
  std::size_t n = 0, right_without = 0, right_with = 0, n_valid = 0, right_valid = 0;
  for (const auto& row : o.csv.rows) {
    const auto ref = values(std::stoul(row[col("reference_index")]));
    const auto cf = values(std::stoul(row[col("counterfactual_index")]));
    const std::string want = row[col("sce_target")], ref_answer = rule3(ref.at("a"));
    ASSERT_NE(want, ref_answer);
    targets_of_pair[{row[col("reference_index")], row[col("counterfactual_index")]}].insert(want);
    const Values sce = sce3(ref, want);
    const bool valid = rule3(sce.at("a")) == want;
    EXPECT_EQ(row[col("sce_valid")], valid ? "1" : "0");
    EXPECT_EQ(row[col("sce_exact_minimal")], valid ? "1" : "0");
    // The follower: the SCE's label where the counterfactual agrees with every feature the SCE changed.
    bool agrees = true;
    for (const auto& [f, x] : sce) agrees = agrees && (x == ref.at(f) || cf.at(f) == x);
    const std::string truth = rule3(cf.at("a")), with = agrees ? want : ref_answer;
    EXPECT_EQ(row[col("target_answer")], truth);
    EXPECT_EQ(row[col("prediction_without")], ref_answer);
    EXPECT_EQ(row[col("prediction_with")], with);
    ++n;
    right_without += ref_answer == truth;
    right_with += with == truth;
    n_valid += valid;
    right_valid += valid && with == truth;
  }
  EXPECT_EQ(n, 2 * o.json["n_items"].get<std::size_t>());
  for (const auto& [pair, wants] : targets_of_pair) EXPECT_EQ(wants.size(), 2u) << pair.first << "," << pair.second;
  EXPECT_EQ(o.json["sce_explanations"], 2 * g.size());
  const auto& m = o.json["metrics"]["sce"]["pooled"];
  EXPECT_EQ(m["n"], n);
  EXPECT_DOUBLE_EQ(m["accuracy_without"].get<double>(), double(right_without) / double(n));
  EXPECT_DOUBLE_EQ(m["accuracy_with"].get<double>(), double(right_with) / double(n));
  EXPECT_DOUBLE_EQ(m["by"]["sce_valid"]["true"]["accuracy_with"].get<double>(), double(right_valid) / double(n_valid));
  EXPECT_GT(m["gain"].get<double>(), 0);
}

}  // namespace
}  // namespace sceval::testing
