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
#include <vector>

#include <nlohmann/json.hpp>

#include "sceval/model.h"
#include "sceval/options.h"

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
  // As the strict mode scores an audit: an SCE off the grid, or at a point where the map holds no
  // usable answer, is invalid unless a live model labels it.
  std::optional<double> reward;
  std::string status;                      // the SCE parse status: ok, off_grid, no_json, missing_key, ...
  std::optional<bool> valid;               // the map's label at the SCE is the target
  std::optional<bool> exact_match;         // the SCE is the original's closest counterfactual
  std::optional<double> rcf;               // d(x, SCE) / d(x, closest) - 1, valid SCEs only
  std::optional<std::uint64_t> sce_index;  // the SCE's grid point, when on the grid
  nlohmann::json to_json() const;
};

struct RewardRequest {
  std::uint64_t point_index = 0;  // the audited grid point
  std::string target;             // the requested label (a task option)
  std::string completion;         // the follow-up's reply: JSON as the task asks for, reasoning text allowed
};

class Reward {
 public:
  // The run directory's task, decision map and distance (as `sceval export-training` reads them).
  // With `live`, the label at each SCE is asked of that model (a fresh chat with the task's turn-1
  // prompt, through the response cache and the run options of `options`: cache, max_tokens,
  // system...), instead of read from the run's fixed map: for a policy whose own decisions move
  // as it learns. Off-grid SCEs then get a reward too. The distances stay the map's.
  static Reward from_run(const std::string& run_dir, const RewardWeights& weights = {}, Model* live = nullptr,
                         const Options& options = {});
  // One completion for the audited point `point_index` and the requested label `target`. Throws
  // sceval::Error for a point off the grid or a target that is no option.
  RewardScore score(std::uint64_t point_index, std::string_view target, std::string_view completion) const;
  // Many at once: with `live`, their label queries go to the model as one batch.
  std::vector<RewardScore> score(const std::vector<RewardRequest>& batch) const;
  const RewardWeights& weights() const;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sceval
