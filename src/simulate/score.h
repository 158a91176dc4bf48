#pragma once
// The metrics of a simulatability audit (docs/simulate.md "Metrics"): accuracy of the observers'
// predictions without and with the explanation, the gain, the normalised simulatability gain (NSG)
// with cluster-bootstrap CIs (the reference point is the cluster), splits, the egregious rate.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/decision_map.h"

namespace sceval::simulate {

// One prediction pair: an observer, an explanation kind, a reference and a counterfactual point.
struct Prediction {
  std::size_t reference = 0;  // the cluster: position of the reference point in the audit's list
  std::size_t item = 0;       // the (reference, counterfactual) pair, shared by observers and kinds
  std::size_t hamming = 0;
  metrics::Label reference_label = metrics::kNA, truth = metrics::kNA;
  metrics::Label without = metrics::kNA, with = metrics::kNA;  // kNA: no option predicted (counts as wrong)
  std::optional<bool> sce_valid, sce_exact_minimal;            // `sce` explanations only
  metrics::Label sce_target = metrics::kNA;  // `sce`: the label the SCE was asked for (k-way: one row per label)
};

struct Accuracy {
  std::size_t n = 0;
  double without = 0, with = 0, gain = 0, nsg = 0;  // NaN when n = 0
};
// NSG = gain / (1 - accuracy without), and 0 when the accuracy without is 1 (nothing left to gain).
Accuracy accuracy(const std::vector<const Prediction*>& rows);
// {n, accuracy_without, accuracy_with, gain, nsg} as simulate.json writes them (NaN: null).
nlohmann::json accuracy_json(const Accuracy& a);

struct CiSettings {
  int resamples = 2000;
  std::uint64_t seed = 42;
  double level = 0.95;
};
// The bootstrap's draws: `s.resamples` times, `clusters` cluster positions drawn with replacement
// (seeded by s.seed), given to `f`. Shared by the CIs of one audit and the paired CIs of two.
void for_each_resample(std::size_t clusters, const CiSettings& s,
                       const std::function<void(const std::vector<std::size_t>&)>& f);
// [low, high] percentiles of `draws` at `level` (NaN when there are none).
std::pair<double, double> percentile_interval(const std::vector<double>& draws, double level);

// Percentile bootstrap that draws reference points with replacement and keeps all their rows:
// "without", "with", "gain", "nsg" -> [low, high] (NaN when undefined).
std::map<std::string, std::pair<double, double>> cluster_bootstrap(const std::vector<const Prediction*>& rows,
                                                                   const CiSettings& s);

// The metrics of one group of rows (an observer and a kind, or a kind pooled over observers):
// overall with CIs, and split by changed/unchanged answer, by Hamming distance and, for `sce`, by
// the SCE's validity and exact minimality.
nlohmann::json group_metrics(const std::vector<const Prediction*>& rows, const CiSettings& s, bool sce);

// The fraction of items (a pair and, for `sce`, the SCE's requested label) where every observer predicts, with the
// explanation (or without it), the same option and it is wrong. `rows`: one kind, every observer.
double egregious_rate(const std::vector<const Prediction*>& rows, bool with_explanation);

}  // namespace sceval::simulate
