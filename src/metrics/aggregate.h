#pragma once
// Aggregates over scored SCEs (the paper's scoring_function), bootstrap CIs and paired comparisons.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/score.h"
#include "sceval/options.h"

namespace sceval::metrics {

struct Metrics {
  double n = 0;  // kept rows
  double validity = kNaN, mean_distance = kNaN, mean_rcf = kNaN, median_rcf = kNaN, mean_rcf_a = kNaN,
         median_rcf_a = kNaN, mean_icf = kNaN, median_icf = kNaN, mean_icf_a = kNaN, median_icf_a = kNaN, tm = kNaN,
         tm_a = kNaN, exact_match = kNaN, mean_n_changed = kNaN;
  // Keys in results.json order; rates are fractions in [0, 1].
  static const std::vector<std::string>& keys();
  double get(const std::string& key) const;
};

Metrics aggregate(const std::vector<SceScore>& scores);

struct BootstrapSettings {
  int resamples = kDefaultBootstrap;
  std::uint64_t seed = kDefaultSeed;
  double level = 0.95;
  std::vector<std::string> keys = {"validity", "mean_rcf_a", "exact_match", "tm"};
};

// Percentile bootstrap over the kept rows: key -> [low, high] (NaN where undefined).
std::map<std::string, std::pair<double, double>> bootstrap_ci(const std::vector<SceScore>& scores,
                                                              const BootstrapSettings& s);

// Counts by status and drop reason, for results.json.
nlohmann::json counts(const std::vector<SceScore>& scores, const std::vector<SceInput>& inputs);

// Paired comparison of two runs on the same points: b - a over rows kept in both, with CIs.
struct PairedDifference {
  std::size_t pairs = 0;
  std::map<std::string, double> difference;
  std::map<std::string, std::pair<double, double>> ci;
};
PairedDifference paired_difference(const std::vector<SceScore>& a, const std::vector<SceScore>& b,
                                   const BootstrapSettings& s);

}  // namespace sceval::metrics
