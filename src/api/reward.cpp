// The verifier's reward (include/sceval/reward.h): the strict-mode scorer applied to completions.
#include "sceval/reward.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "api/internal.h"
#include "common/error.h"
#include "experiment/run.h"
#include "experiment/stages.h"
#include "grid/distance.h"
#include "llm/cache/caching_backend.h"
#include "metrics/score.h"
#include "parse/sce.h"
#include "task/render.h"
#include "training/run_data.h"

namespace sceval {

struct Reward::Impl {
  training::RunData run;
  std::unique_ptr<grid::Distance> distance;
  std::unique_ptr<metrics::Scorer> scorer;  // points into run and distance: Impl never moves
  RewardWeights weights;
  // The live model, when given: asked through the cache with the run options' sampling settings.
  std::unique_ptr<llm::CachingBackend> live;
  experiment::RunSettings settings;
};

RewardWeights RewardWeights::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error(fmt::format("reward weights: expected an object, got {}", j.dump()));
  RewardWeights w;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw Error(fmt::format("reward weights: {}: expected a finite number, got {}", k, v.dump()));
    const double x = v.get<double>();
    if (k == "valid")
      w.valid = x;
    else if (k == "exact_match")
      w.exact_match = x;
    else if (k == "closeness")
      w.closeness = x;
    else if (k == "parse_failure")
      w.parse_failure = x;
    else
      throw Error(
          fmt::format("reward weights: unknown component \"{}\" (valid, exact_match, closeness, parse_failure)", k));
  }
  return w;
}

nlohmann::json RewardWeights::to_json() const {
  return {{"valid", valid}, {"exact_match", exact_match}, {"closeness", closeness}, {"parse_failure", parse_failure}};
}

nlohmann::json RewardScore::to_json() const {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
  return {{"reward", opt(reward)},           {"status", status}, {"valid", opt(valid)},
          {"exact_match", opt(exact_match)}, {"rcf", opt(rcf)},  {"sce_index", opt(sce_index)}};
}

Reward Reward::from_run(const std::string& run_dir, const RewardWeights& weights, Model* live, const Options& options) {
  auto impl = std::make_shared<Impl>();
  impl->run = training::load_run(run_dir);
  impl->distance = std::make_unique<grid::Distance>(*impl->run.grid, impl->run.distance, grid::Arithmetic::Exact);
  impl->scorer = std::make_unique<metrics::Scorer>(*impl->distance, impl->run.map, metrics::Mode::Strict);
  impl->weights = weights;
  if (live) {
    impl->settings =
        api::run_settings(*impl->run.task, impl->run.task->name, live->info().value("spec", ""), options, "");
    impl->live = std::make_unique<llm::CachingBackend>(api::backend_of(*live), api::caching_options(options));
  }
  Reward r;
  r.impl_ = std::move(impl);
  return r;
}

const RewardWeights& Reward::weights() const { return impl_->weights; }

namespace {

// The request's SCE read as the run read its own follow-up replies (thinking stripped, the paper's
// key lookup), as the scorer's input.
metrics::SceInput sce_input(const training::RunData& run, const RewardRequest& r, parse::SceParse& p) {
  const task::Task& t = *run.task;
  const auto opt = std::find(t.options.begin(), t.options.end(), r.target);
  if (opt == t.options.end())
    throw Error(
        fmt::format("target: \"{}\" is not an option of task {} ({})", r.target, t.name, fmt::join(t.options, ", ")));
  if (r.point_index >= run.grid->size())
    throw Error(fmt::format("point_index: {} is not a point of task {} (0 to {})", r.point_index, t.name,
                            run.grid->size() - 1));
  return experiment::sce_input_of_reply(t, r.point_index, static_cast<metrics::Label>(opt - t.options.begin()),
                                        r.completion, &p);
}

RewardScore reward_of(const Reward::Impl& impl, const metrics::SceInput& in, const parse::SceParse& p) {
  const metrics::SceScore s = impl.scorer->score(in);
  const RewardWeights& w = impl.weights;
  RewardScore out;
  out.status = in.status;
  if (p.record) out.sce_index = impl.run.grid->index(*p.record);
  const bool readable = p.ok() || p.status == parse::Status::OffGrid;
  if (!readable) {
    out.reward = w.parse_failure;
    return out;
  }
  if (!s.valid) return out;  // the strict scorer always decides; kept for a scorer that may not
  out.valid = s.valid;
  out.exact_match = s.exact_match.value_or(false);
  if (*s.valid && std::isfinite(s.rcf)) out.rcf = s.rcf;
  const double closeness = out.rcf ? 1.0 / (1.0 + *out.rcf) : 0.0;
  out.reward =
      w.valid * (*out.valid ? 1.0 : 0.0) + w.exact_match * (*out.exact_match ? 1.0 : 0.0) + w.closeness * closeness;
  return out;
}

}  // namespace

std::vector<RewardScore> Reward::score(const std::vector<RewardRequest>& batch) const {
  const task::Task& t = *impl_->run.task;
  std::vector<parse::SceParse> parses(batch.size());
  std::vector<metrics::SceInput> inputs;
  for (std::size_t n = 0; n < batch.size(); ++n) inputs.push_back(sce_input(impl_->run, batch[n], parses[n]));
  if (impl_->live) {  // one batch of label queries: the turn-1 prompt at each readable SCE
    std::vector<llm::GenerationRequest> reqs;
    std::vector<std::size_t> asked;
    for (std::size_t n = 0; n < batch.size(); ++n) {
      if (!parses[n].ok() && parses[n].status != parse::Status::OffGrid) continue;
      reqs.push_back(experiment::sce_label_request(t, impl_->settings, parses[n].values));
      asked.push_back(n);
    }
    const auto answers = impl_->live->generate(reqs);
    for (std::size_t m = 0; m < asked.size(); ++m)
      if (answers[m].finish != llm::FinishReason::Error)
        inputs[asked[m]].live_label = experiment::label_of_reply(t, answers[m].text);
  }
  std::vector<RewardScore> out;
  for (std::size_t n = 0; n < batch.size(); ++n) out.push_back(reward_of(*impl_, inputs[n], parses[n]));
  return out;
}

RewardScore Reward::score(std::uint64_t point_index, std::string_view target, std::string_view completion) const {
  return score(std::vector<RewardRequest>{{point_index, std::string(target), std::string(completion)}}).front();
}

}  // namespace sceval
