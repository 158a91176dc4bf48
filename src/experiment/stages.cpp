#include "experiment/stages.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>

#include "common/error.h"
#include "common/exclusive.h"
#include "parse/answer.h"
#include "parse/sce.h"
#include "task/render.h"

namespace sceval::experiment {

SampleLog::SampleLog(const std::string& path) : path_(path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);  // the earlier log (or a link planted at its name: removed, never followed)
  if (ec) throw Error(fmt::format("{}: cannot replace: {}", path, ec.message()));
  file_ = create_new_file(path);
}

SampleLog::SampleLog(RunOutput& out) : out_(&out) {}

void SampleLog::write(const nlohmann::json& tags, const llm::GenerationRequest& req, const llm::Generation& gen) {
  nlohmann::ordered_json line = tags;
  line["messages"] = to_json(req.messages);
  line["response"] = gen.text;  // the full reply, thinking included
  if (!gen.reasoning.empty()) line["reasoning"] = gen.reasoning;
  line["finish"] = llm::to_string(gen.finish);
  line["prompt_tokens"] = gen.prompt_tokens;
  line["completion_tokens"] = gen.completion_tokens;
  if (!gen.error.empty()) line["error"] = gen.error;
  // Replies may hold invalid UTF-8 (a token cut mid-character, a broken server): written as U+FFFD.
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (out_) return out_->sample(text);
  *file_ << text << '\n';
  file_->flush();
  if (!*file_) throw Error(fmt::format("{}: write failed", path_));
}

std::vector<llm::Generation> Asker::ask(const std::string& stage, const std::vector<llm::GenerationRequest>& reqs,
                                        const std::vector<nlohmann::json>& tags) {
  std::vector<llm::Generation> out;
  out.reserve(reqs.size());
  if (progress) progress(stage, 0, reqs.size());
  // A provider batch backend gets the whole stage in one call (one or more batches, polled together).
  const std::size_t step = backend.wants_whole_stage() ? std::max<std::size_t>(1, reqs.size()) : chunk;
  for (std::size_t begin = 0; begin < reqs.size(); begin += step) {
    std::size_t end = std::min(reqs.size(), begin + step);
    auto gens = backend.generate(std::span(reqs).subspan(begin, end - begin));
    if (gens.size() != end - begin)
      throw Error(fmt::format("{}: the backend returned {} results for {} requests", stage, gens.size(), end - begin));
    for (std::size_t i = 0; i < gens.size(); ++i) {
      nlohmann::json tag = tags[begin + i];
      tag["stage"] = stage;
      log.write(tag, reqs[begin + i], gens[i]);
      failures += gens[i].finish == llm::FinishReason::Error;
      out.push_back(std::move(gens[i]));
    }
    calls += end - begin;
    if (progress) progress(stage, end, reqs.size());
  }
  return out;
}

std::string_view strip_thinking(std::string_view reply) {
  auto pos = reply.rfind("</think>");
  return pos == std::string_view::npos ? reply : reply.substr(pos + 8);
}

namespace {

// The decision-map label of a parsed answer: the option, NA or off-label.
metrics::Label label_of(const parse::AnswerLabel& a) {
  switch (a.kind) {
    case parse::AnswerLabel::Kind::Option:
      return static_cast<metrics::Label>(a.option);
    case parse::AnswerLabel::Kind::NA:
      return metrics::kNA;
    default:
      return metrics::kOffLabel;
  }
}

// A value as the paper's fill_templates would print it: integral numbers without ".0".
std::string value_text(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

}  // namespace

GenerateOptions sampling_for(const task::Task& t, const RunSettings& s) {
  GenerateOptions p = s.sampling;
  if (!t.stop.empty()) p.stop = t.stop;
  return p;
}

metrics::Label label_of_reply(const task::Task& t, std::string_view reply) {
  return label_of(parse::label_of_answer(t, parse::extract_answer(strip_thinking(reply), t.answer_key)));
}

metrics::SceInput sce_input_of_reply(const task::Task& t, grid::Index index, metrics::Label target,
                                     std::string_view reply, parse::SceParse* parsed) {
  parse::SceParse p = parse::parse_sce(t, strip_thinking(reply));
  metrics::SceInput in;
  in.index = index;
  in.target = target;
  in.status = std::string(parse::to_string(p.status));
  in.detail = p.detail;
  in.record = p.record;
  in.values = p.values;
  if (parsed) *parsed = std::move(p);
  return in;
}

llm::GenerationRequest sce_label_request(const task::Task& t, const RunSettings& s,
                                         const std::vector<std::optional<double>>& values) {
  return {task::turn1_messages_for_texts(t, sce_texts(t, values), s.system_prompt), sampling_for(t, s)};
}

std::vector<std::string> sce_texts(const task::Task& t, const std::vector<std::optional<double>>& values) {
  std::vector<std::string> texts;
  for (std::size_t j = 0; j < t.features.size(); ++j) {
    const auto& f = t.features[j];
    const double v = *values.at(j);
    auto pos = f.type == task::FeatureType::Integer ? std::nullopt : f.position_of_code(static_cast<std::int64_t>(v));
    texts.push_back(pos ? f.text(*pos) : value_text(v));
  }
  return texts;
}

void require_full_map_memory(const task::Task& t, const grid::Grid& g, const RunSettings& s) {
  if (s.decision_map == DecisionMapMode::Score) {  // a label, an answer, a reply and the options' probabilities
    const double per_point = sizeof(metrics::Label) + 2 * sizeof(std::string) + sizeof(std::vector<double>) +
                             static_cast<double>(t.options.size()) * sizeof(double) + 1;
    return grid::require_grid_memory(g, per_point, "a full decision map");
  }
  std::size_t prompt_bytes = 0;
  for (const auto& m : task::turn1_messages(t, g.record(0), s.system_prompt)) prompt_bytes += m.content.size();
  grid::require_grid_memory(g, 3.0 * static_cast<double>(prompt_bytes) + 1024, "asking the model at every point");
}

DecisionMapResult generate_decision_map(const task::Task& t, const grid::Grid& g, const RunSettings& s, Asker& asker) {
  require_full_map_memory(t, g, s);  // every point's request, tag and reply is held at once
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  for (grid::Index i = 0; i < g.size(); ++i) {
    reqs.push_back({task::turn1_messages(t, g.record(i), s.system_prompt), sampling_for(t, s)});
    tags.push_back({{"index", i}});
  }
  auto gens = asker.ask("decision_map", reqs, tags);
  DecisionMapResult r;
  r.map = metrics::DecisionMap::all_na(g);
  r.failed.assign(g.size(), false);
  for (grid::Index i = 0; i < g.size(); ++i) {
    r.replies.push_back(gens[i].text);
    if (gens[i].finish == llm::FinishReason::Error) {
      r.failed[i] = true;
      continue;
    }
    auto answer = parse::extract_answer(strip_thinking(gens[i].text), t.answer_key);
    r.map.labels[i] = label_of(parse::label_of_answer(t, answer));
    if (r.map.labels[i] == metrics::kOffLabel) r.map.answers[i] = answer.text;
  }
  return r;
}

DecisionMapResult score_decision_map(const task::Task& t, const grid::Grid& g, const RunSettings& s,
                                     llm::Backend& backend, const Progress& progress) {
  if (!backend.supports_scoring())
    throw Error(
        "--decision-map score needs a backend that returns label log-probabilities (an in-process gguf: model)");
  DecisionMapResult r;
  r.map = metrics::DecisionMap::all_na(g);
  r.failed.assign(g.size(), false);
  r.map.probabilities.resize(g.size());
  r.replies.assign(g.size(), "");
  // The answer's JSON up to the label, as the task's prompt asks for it: {"answer": "
  const std::string prefix = "{\"" + t.answer_key + "\": \"";
  if (progress) progress("decision_map", 0, g.size());
  for (grid::Index begin = 0; begin < g.size(); begin += s.chunk) {
    grid::Index end = std::min<grid::Index>(g.size(), begin + s.chunk);
    std::vector<LabelScoreRequest> reqs;
    for (grid::Index i = begin; i < end; ++i)
      reqs.push_back({task::turn1_messages(t, g.record(i), s.system_prompt), prefix, t.options});
    auto scores = backend.score_options(reqs);
    for (grid::Index i = begin; i < end; ++i) {
      const auto& p = scores[i - begin].probability;
      r.map.probabilities[i] = p;
      r.map.labels[i] = static_cast<metrics::Label>(std::max_element(p.begin(), p.end()) - p.begin());
    }
    if (progress) progress("decision_map", end, g.size());
  }
  return r;
}

std::vector<grid::Index> select_points(const grid::Grid& g, const RunSettings& s) {
  return select_indices(g.size(), s);
}

std::vector<grid::Index> select_indices(grid::Index n, const RunSettings& s) {
  std::vector<grid::Index> all(n);
  std::iota(all.begin(), all.end(), grid::Index{0});
  if (s.sample && *s.sample < all.size()) {
    std::mt19937_64 rng(s.seed);
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(*s.sample);
    std::sort(all.begin(), all.end());
  }
  if (s.limit && *s.limit < all.size()) all.resize(*s.limit);
  return all;
}

std::vector<FollowUp> complements(const task::Task& t, const metrics::DecisionMap& map,
                                  const std::vector<grid::Index>& points, const RunSettings& s) {
  return complements(
      t, [&map](grid::Index i) { return map.labels[i]; }, points, s);
}

std::vector<FollowUp> complements(const task::Task& t, const std::function<metrics::Label(grid::Index)>& label_of,
                                  const std::vector<grid::Index>& points, const RunSettings& s) {
  const auto k = static_cast<metrics::Label>(t.options.size());
  std::vector<FollowUp> out;
  for (grid::Index i : points) {
    // One generator per point, so a point's complement does not depend on which others are sampled.
    std::mt19937_64 rng(s.seed ^ (0x9E3779B97F4A7C15ull * (i + 1)));
    const metrics::Label own = label_of(i);
    if (own < 0) {  // NA or off-label: a random option (the paper's random.choice)
      out.push_back({i, static_cast<metrics::Label>(rng() % static_cast<std::uint64_t>(k))});
      continue;
    }
    if (k == 2 || !s.all_complements) {
      auto other = static_cast<metrics::Label>(rng() % static_cast<std::uint64_t>(k - 1));
      out.push_back({i, k == 2 ? 1 - own : (other >= own ? other + 1 : other)});
      continue;
    }
    for (metrics::Label l = 0; l < k; ++l)
      if (l != own) out.push_back({i, l});
  }
  return out;
}

std::vector<metrics::SceInput> ask_followups(const task::Task& t, const grid::Grid& g, const RunSettings& s,
                                             const DecisionMapResult& dm, const std::vector<FollowUp>& fus,
                                             Asker& asker) {
  return ask_followups(
      t, g, s,
      [&dm](grid::Index i) {
        return Turn1{dm.replies[i], static_cast<bool>(dm.failed[i])};
      },
      fus, asker);
}

std::vector<metrics::SceInput> ask_followups(const task::Task& t, const grid::Grid& g, const RunSettings& s,
                                             const std::function<Turn1(grid::Index)>& turn1,
                                             const std::vector<FollowUp>& fus, Asker& asker) {
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  for (const auto& f : fus) {
    reqs.push_back(
        {task::followup_messages(t, g.record(f.index), turn1(f.index).reply, t.options[f.target], s.system_prompt),
         sampling_for(t, s)});
    tags.push_back({{"index", f.index}, {"target", t.options[f.target]}});
  }
  auto gens = asker.ask("followup", reqs, tags);
  const std::vector<llm::GenerationRequest> followups = reqs;

  std::vector<metrics::SceInput> out;
  std::vector<std::size_t> live;  // off-grid SCEs to ask about in a fresh chat
  for (std::size_t n = 0; n < fus.size(); ++n) {
    metrics::SceInput in;
    in.index = fus[n].index;
    in.target = fus[n].target;
    if (turn1(in.index).failed || gens[n].finish == llm::FinishReason::Error) {
      in.status = "request_failed";
      in.detail = gens[n].error;
      out.push_back(std::move(in));
      continue;
    }
    in = sce_input_of_reply(t, in.index, in.target, gens[n].text);
    if (in.status == parse::to_string(parse::Status::OffGrid) && s.live_off_grid) live.push_back(n);
    out.push_back(std::move(in));
  }
  if (s.with_history) ask_with_history(t, s, followups, gens, out, asker);
  if (live.empty()) return out;
  reqs.clear();
  tags.clear();
  for (std::size_t n : live) {
    reqs.push_back(sce_label_request(t, s, out[n].values));
    tags.push_back(
        {{"index", out[n].index}, {"target", t.options[out[n].target]}, {"values", sce_texts(t, out[n].values)}});
  }
  auto answers = asker.ask("live_check", reqs, tags);
  for (std::size_t m = 0; m < live.size(); ++m) {
    if (answers[m].finish == llm::FinishReason::Error) continue;  // stays unchecked
    out[live[m]].live_label = label_of_reply(t, answers[m].text);
  }
  return out;
}

}  // namespace sceval::experiment
