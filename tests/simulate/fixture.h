#pragma once
// The simulatability tests' world (tests/simulate/*_test.cpp): a 6 x 4 x 3 grid (tests/data/simulate/
// three.json), a rule target (yes iff a >= 3) with a known SCE policy (even a: the closest flip,
// valid and exactly minimal; odd a: c moved, invalid) and known free explanations, and rule
// observers that read the machine-readable test prompts (tests/data/simulate/test.prompts).
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "experiment/run.h"
#include "llm/cache/caching_backend.h"
#include "llm/function_backend.h"
#include "scratch_dir.h"
#include "simulate/simulate.h"
#include "task/registry.h"

namespace sceval::testing {

using Values = std::map<std::string, int>;  // feature -> value

inline std::string sim_data(const std::string& name) { return std::string(SCEVAL_TEST_DATA) + "/simulate/" + name; }

// The "x=v" lines of `text` between `from` and the next line equal to `to`.
inline Values values_between(const std::string& text, const std::string& from, const std::string& to) {
  Values v;
  auto b = text.find(from + "\n");
  if (b == std::string::npos) return v;
  auto e = text.find("\n" + to, b);
  const std::string part = text.substr(b + from.size() + 1, e == std::string::npos ? std::string::npos : e - b);
  static const std::regex line(R"((^|\n)([a-z])=(-?\d+))");
  for (std::sregex_iterator it(part.begin(), part.end(), line), end; it != end; ++it) v[(*it)[2]] = std::stoi((*it)[3]);
  return v;
}

inline std::string rule(const Values& v) { return v.at("a") >= 3 ? "yes" : "no"; }

// The target's SCE for a point: even a flips across a = 2.5 (valid, minimal); odd a moves c (invalid).
inline Values sce_policy(Values v) {
  if (v.at("a") % 2 == 0)
    v["a"] = v.at("a") >= 3 ? 2 : 3;
  else
    v["c"] = (v.at("c") + 1) % 3;
  return v;
}

// A target: decisions by `rule`, SCEs by `sce_policy`, free explanations naming `factor` >= `k`.
inline llm::GenerateFn target_fn(std::string factor, int k, std::size_t* calls = nullptr) {
  return [factor, k, calls](std::span<const llm::GenerationRequest> batch) {
    std::vector<std::string> out;
    for (const auto& r : batch) {
      if (calls) ++*calls;
      const std::string& first = r.messages.front().content;
      const Values v = values_between("TOP\n" + first, "TOP", "yes or no?");
      if (first.rfind("EXPLAIN", 0) == 0)
        out.push_back(fmt::format("<answer>{}</answer><explanation>RULE {}>={}</explanation><factors>{}</factors>",
                                  rule(v), factor, k, factor));
      else if (r.messages.size() == 1)
        out.push_back(nlohmann::json{{"answer", rule(v)}}.dump());
      else
        out.push_back(nlohmann::json(sce_policy(v)).dump());
    }
    return out;
  };
}

// What the "follower" observer predicts: without an explanation the reference answer; with a RULE,
// the rule applied to the counterfactual; with an SCE, its target where the counterfactual agrees
// with the SCE on every feature the SCE changed, else the reference answer.
inline std::string follower(const std::string& prompt) {
  static const std::regex ref_re(R"(REF=(\w+))"), rule_re(R"(RULE ([a-z])>=(\d+))"), sce_re(R"(SCE target=(\w+))");
  std::smatch m;
  std::regex_search(prompt, m, ref_re);
  const std::string ref = m[1];
  const Values cf = values_between(prompt, "CF", "END");
  if (std::regex_search(prompt, m, rule_re)) return cf.at(m[1]) >= std::stoi(m[2]) ? "yes" : "no";
  if (std::regex_search(prompt, m, sce_re)) {
    const std::string target = m[1];
    const Values reference = values_between(prompt, "REFPROMPT", "yes or no?");
    const Values sce = values_between(prompt, "EXPL", "CF");
    for (const auto& [f, x] : sce)
      if (x != reference.at(f) && cf.at(f) != x) return ref;
    return target;
  }
  return ref;
}

inline llm::GenerateFn observer_fn(bool follow, std::size_t* calls = nullptr, std::size_t kill_after = SIZE_MAX) {
  return [follow, calls, kill_after](std::span<const llm::GenerationRequest> batch) {
    std::vector<std::string> out;
    for (const auto& r : batch) {
      if (calls) {
        if (*calls >= kill_after) throw std::runtime_error("killed");
        ++*calls;
      }
      const std::string& p = r.messages.back().content;
      std::smatch m;
      static const std::regex ref_re(R"(REF=(\w+))");
      std::regex_search(p, m, ref_re);
      out.push_back(nlohmann::json{{"answer", follow ? follower(p) : std::string(m[1])}}.dump());
    }
    return out;
  };
}

// A finished run of the rule target over every point of the grid, in `dir` (lazy: a lazy decision map of 4 sampled
// rows).
inline void make_run(const std::string& dir, const std::string& cache, bool lazy = false) {
  const task::Task t = task::resolve_task(sim_data("three.json"));
  experiment::RunSettings s;
  s.task = sim_data("three.json");
  s.model = "rule-target";
  s.output = dir;
  s.bootstrap.resamples = 0;
  s.recorded["task"] = s.task;
  if (lazy) {
    s.decision_map = experiment::DecisionMapMode::Lazy;
    s.recorded["decision_map"] = "lazy";
    s.sample = 4;  // few rows: their searches leave most of the grid unasked
  }
  llm::FunctionBackend fb("rule-target", target_fn("a", 3));
  llm::CachingOptions co;
  co.path = cache;
  llm::CachingBackend cached(fb, co);
  experiment::RunOutput out(dir);
  experiment::run(t, s, cached, out);
}

inline simulate::Settings test_settings() {
  simulate::Settings s;
  s.hamming = 2;
  s.per_point = 4;
  s.ci.resamples = 200;
  s.prompts = simulate::load_prompts(sim_data("test.prompts"));
  return s;
}

}  // namespace sceval::testing
