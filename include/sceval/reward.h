#pragma once
// A reward for training against the verifier (docs/training.md): for any SCE a policy writes for an
// audited point, whether it is valid in the run's decision map, whether it is the closest
// counterfactual, and how far beyond the closest it goes (RCF), computed exactly from the map
// without asking a judge model. Python: sceval.reward(run_dir, weights=...), a reward function for
// TRL's GRPOTrainer(reward_funcs=...).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sceval {

// reward = valid·w.valid + exact_match·w.exact_match + closeness·w.closeness, where closeness =
// 1 / (1 + RCF) for a valid SCE and 0 otherwise; a completion that does not read as an SCE gets
// w.parse_failure. A weight of 0 leaves its component out (e.g. {valid = 1, rest 0}: validity alone).
// The closest counterfactual scores valid + exact_match + closeness = 2 with the defaults, the
// most any completion can get.
struct RewardWeights {
  double valid = 1.0;
  double exact_match = 0.5;
  double closeness = 0.5;
  double parse_failure = -1.0;
  static RewardWeights from_json(const nlohmann::json& j);  // keys as the fields; throws naming an unknown one
  nlohmann::json to_json() const;
};

struct RewardScore {
  std::optional<double> reward;  // null: unknowable from the map (an SCE off the grid)
  std::string status;            // the SCE parse status: ok, off_grid, no_json, missing_key, ...
  std::optional<bool> valid;         // the map's label at the SCE is the target
  std::optional<bool> exact_match;   // the SCE is the original's closest counterfactual
  std::optional<double> rcf;         // d(x, SCE) / d(x, closest) - 1, valid SCEs only
  std::optional<std::uint64_t> sce_index;  // the SCE's grid point, when on the grid
  nlohmann::json to_json() const;
};

class Reward {
 public:
  // The run directory's task, decision map and distance (as `sceval export-training` reads them).
  static Reward from_run(const std::string& run_dir, const RewardWeights& weights = {});
  // One completion (the follow-up's reply: JSON as the task asks for, reasoning text allowed) for
  // the audited point `point_index` and the requested label `target` (a task option). Throws
  // sceval::Error for a point off the grid or a target that is no option.
  RewardScore score(std::uint64_t point_index, std::string_view target, std::string_view completion) const;
  const RewardWeights& weights() const;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sceval
