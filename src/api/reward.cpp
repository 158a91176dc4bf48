// The verifier's reward (include/sceval/reward.h): the strict-mode scorer applied to one completion.
#include "sceval/reward.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "experiment/run.h"
#include "grid/distance.h"
#include "metrics/score.h"
#include "parse/sce.h"
#include "training/run_data.h"

namespace sceval {

struct Reward::Impl {
  training::RunData run;
  std::unique_ptr<grid::Distance> distance;
  std::unique_ptr<metrics::Scorer> scorer;  // points into run and distance: Impl never moves
  RewardWeights weights;
};

RewardWeights RewardWeights::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error(fmt::format("reward weights: expected an object, got {}", j.dump()));
  RewardWeights w;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw Error(fmt::format("reward weights: {}: expected a finite number, got {}", k, v.dump()));
    const double x = v.get<double>();
    if (k == "valid") w.valid = x;
    else if (k == "exact_match") w.exact_match = x;
    else if (k == "closeness") w.closeness = x;
    else if (k == "parse_failure") w.parse_failure = x;
    else throw Error(fmt::format("reward weights: unknown component \"{}\" (valid, exact_match, closeness, parse_failure)", k));
  }
  return w;
}

nlohmann::json RewardWeights::to_json() const {
  return {{"valid", valid}, {"exact_match", exact_match}, {"closeness", closeness}, {"parse_failure", parse_failure}};
}

nlohmann::json RewardScore::to_json() const {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
  return {{"reward", opt(reward)}, {"status", status}, {"valid", opt(valid)}, {"exact_match", opt(exact_match)},
          {"rcf", opt(rcf)}, {"sce_index", opt(sce_index)}};
}

Reward Reward::from_run(const std::string& run_dir, const RewardWeights& weights) {
  auto impl = std::make_shared<Impl>();
  impl->run = training::load_run(run_dir);
  impl->distance = std::make_unique<grid::Distance>(*impl->run.grid, impl->run.distance, grid::Arithmetic::Exact);
  impl->scorer = std::make_unique<metrics::Scorer>(*impl->distance, impl->run.map, metrics::Mode::Strict);
  impl->weights = weights;
  Reward r;
  r.impl_ = std::move(impl);
  return r;
}

const RewardWeights& Reward::weights() const { return impl_->weights; }

RewardScore Reward::score(std::uint64_t point_index, std::string_view target, std::string_view completion) const {
  const task::Task& t = *impl_->run.task;
  const auto opt = std::find(t.options.begin(), t.options.end(), target);
  if (opt == t.options.end())
    throw Error(fmt::format("target: \"{}\" is not an option of task {} ({})", target, t.name, fmt::join(t.options, ", ")));
  if (point_index >= impl_->run.grid->size())
    throw Error(fmt::format("point_index: {} is not a point of task {} (0 to {})", point_index, t.name,
                            impl_->run.grid->size() - 1));
  // The same reading as the run's own follow-ups: thinking stripped, the paper's key lookup.
  const auto p = parse::parse_sce(t, experiment::strip_thinking(completion));
  metrics::SceInput in;
  in.index = point_index;
  in.target = static_cast<metrics::Label>(opt - t.options.begin());
  in.status = std::string(parse::to_string(p.status));
  in.detail = p.detail;
  in.record = p.record;
  in.values = p.values;
  const metrics::SceScore s = impl_->scorer->score(in);
  const RewardWeights& w = impl_->weights;
  RewardScore out;
  out.status = in.status;
  if (p.record) out.sce_index = impl_->run.grid->index(*p.record);
  if (p.status == parse::Status::OffGrid) return out;  // its label is not in the map
  if (!p.ok()) {
    out.reward = w.parse_failure;
    return out;
  }
  if (!s.valid) return out;  // no usable label at the SCE's point in the map (the model's answer was NA)
  out.valid = s.valid;
  out.exact_match = s.exact_match.value_or(false);
  if (*s.valid && std::isfinite(s.rcf)) out.rcf = s.rcf;
  const double closeness = out.rcf ? 1.0 / (1.0 + *out.rcf) : 0.0;
  out.reward = w.valid * (*out.valid ? 1.0 : 0.0) + w.exact_match * (*out.exact_match ? 1.0 : 0.0) + w.closeness * closeness;
  return out;
}

}  // namespace sceval
