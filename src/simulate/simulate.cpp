// The simulatability protocol: design, explanations, observer predictions, metrics.
#include "simulate/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/error.h"
#include "experiment/stages.h"
#include "results/results_json.h"
#include "simulate/design.h"
#include "simulate/merge.h"
#include "task/render.h"

namespace sceval::simulate {

namespace {

struct Item {
  std::size_t reference;  // position in the reference list
  grid::Index counterfactual;
  std::size_t hamming;
};

// One explanation of the target's answer at a reference point.
struct Explanation {
  std::string text;
  metrics::Label sce_target = metrics::kNA;  // `sce`: the label the SCE was asked for
  std::optional<bool> valid, minimal;        // `sce`: the SCE's strict validity and exact minimality
};

// One reference point and what explains the target's answer there: at most one free explanation,
// and one SCE explanation per requested label (a k-way run has k - 1 SCEs per point).
struct Reference {
  grid::Index index;
  metrics::Label label;
  std::vector<Explanation> sce;
  std::vector<Explanation> free;  // empty, or the one free explanation
  bool free_tagged = false;
};

std::string option_text(const task::Task& t, metrics::Label l) {
  return l >= 0 ? t.options.at(static_cast<std::size_t>(l)) : std::string();
}

Conversation chat(const std::optional<std::string>& system, std::string user) {
  Conversation c;
  if (system) c.push_back({"system", *system});
  c.push_back({"user", std::move(user)});
  return c;
}

llm::Backend& need(const Target& target, const char* what) {
  if (!target.party.backend)
    throw Error(fmt::format("simulate: {} need the target model; give --target SPEC (Python: target=)", what));
  return *target.party.backend;
}

// Labels of the grid: the run's map, and in a lazy run the points it never asked, asked now.
class Truths {
 public:
  Truths(const RunInputs& in, const Target& target, experiment::SampleLog& log, const experiment::Progress& p)
      : in_(in), target_(target), log_(log), progress_(p) {}
  metrics::Label operator()(grid::Index i) const {
    auto it = asked_.find(i);
    return it != asked_.end() ? it->second : in_.map.labels.at(i);
  }
  // Asks the target for every point of `points` the run never asked (lazy runs only).
  void ask_missing(const grid::Grid& g, const std::vector<grid::Index>& points) {
    if (!in_.lazy) return;
    std::vector<grid::Index> missing;
    for (auto i : points)
      if (in_.map.labels.at(i) < 0 && !asked_.contains(i)) missing.push_back(i);
    if (missing.empty()) return;
    experiment::Asker asker{need(target_, "the truths of a lazy run"), target_.run.chunk, log_, progress_};
    std::vector<llm::GenerationRequest> reqs;
    std::vector<nlohmann::json> tags;
    const auto sampling = experiment::sampling_for(*in_.task, target_.run);
    for (auto i : missing) {
      reqs.push_back({task::turn1_messages(*in_.task, g.record(i), target_.run.system_prompt), sampling});
      tags.push_back({{"index", i}});
    }
    auto gens = asker.ask("truths", reqs, tags);
    for (std::size_t k = 0; k < missing.size(); ++k)
      asked_[missing[k]] = gens[k].finish == llm::FinishReason::Error
                               ? metrics::kNA
                               : experiment::label_of_reply(*in_.task, gens[k].text);
    calls += asker.calls;
    failures += asker.failures;
  }
  std::size_t calls = 0, failures = 0;

 private:
  const RunInputs& in_;
  const Target& target_;
  experiment::SampleLog& log_;
  const experiment::Progress& progress_;
  std::map<grid::Index, metrics::Label> asked_;
};

// The SCE names a requested label and a value for every feature (on the grid or off it).
bool complete_sce(const metrics::SceInput& sce) {
  bool complete = !sce.values.empty() && sce.target >= 0;
  for (const auto& v : sce.values) complete = complete && v.has_value();
  return complete;
}

std::vector<Reference> references(const RunInputs& in, const Settings& s) {
  std::map<grid::Index, std::vector<std::size_t>> sce_rows;  // a k-way run has one row per requested label
  for (std::size_t r = 0; r < in.sces.size(); ++r) sce_rows[in.sces[r].index].push_back(r);
  std::vector<grid::Index> candidates;
  if (s.sample && !s.sce) {  // free explanations only: any answered point can be a reference
    for (grid::Index i = 0; i < in.map.labels.size(); ++i)
      if (in.map.labels[i] >= 0) candidates.push_back(i);
  } else {
    // `sce` only: a point none of whose SCEs gave a record has nothing to show the observer.
    for (const auto& [i, rows] : sce_rows)
      if (in.map.labels.at(i) >= 0 &&
          (s.free || std::any_of(rows.begin(), rows.end(), [&](std::size_t r) { return complete_sce(in.sces[r]); })))
        candidates.push_back(i);
  }
  std::vector<Reference> out;
  const auto picked = pick_references(candidates, s.sample, s.seed);
  for (std::size_t k = 0; k < picked.size(); ++k) {
    if (k % s.shard_count != s.shard_index) continue;  // round robin, as a sweep shards its cells
    const grid::Index i = picked[k];
    Reference ref{i, in.map.labels[i], {}, {}, false};
    if (auto it = sce_rows.find(i); it != sce_rows.end())
      for (auto r : it->second) {
        const auto& sce = in.sces[r];
        if (!complete_sce(sce)) continue;
        ref.sce.push_back({sce_explanation(s.prompts, *in.task, option_text(*in.task, sce.target),
                                           experiment::sce_texts(*in.task, sce.values)),
                           sce.target, in.sce_valid[r], in.sce_minimal[r]});
      }
    out.push_back(std::move(ref));
  }
  return out;
}

std::vector<Item> design(const grid::Grid& g, const std::vector<Reference>& refs, const Settings& s, Truths& truths,
                         bool lazy) {
  std::vector<std::vector<grid::Index>> pools;
  std::vector<grid::Index> all;
  for (const auto& r : refs) {
    auto pool = shuffled_ball(g, r.index, s.hamming, s.seed);
    // A lazy run knows few labels: only the head of the seeded walk is asked (four times what is kept).
    if (lazy && pool.size() > 4 * s.per_point) pool.resize(4 * s.per_point);
    all.insert(all.end(), pool.begin(), pool.end());
    pools.push_back(std::move(pool));
  }
  truths.ask_missing(g, all);
  std::vector<Item> items;
  for (std::size_t k = 0; k < refs.size(); ++k)
    for (auto cf : balanced_pick(pools[k], refs[k].label, std::cref(truths), s.per_point))
      items.push_back({k, cf, hamming(g, refs[k].index, cf)});
  return items;
}

void ask_free(const RunInputs& in, const grid::Grid& g, const Settings& s, std::vector<Reference>& refs,
              const Target& target, experiment::SampleLog& log, const experiment::Progress& progress, Outcome& o) {
  experiment::Asker asker{need(target, "free explanations"), target.run.chunk, log, progress};
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  const auto sampling = experiment::sampling_for(*in.task, target.run);
  // The system prompt the target had in the run: the run's own, else the task's (as turn 1 has it).
  const auto system = target.run.system_prompt ? target.run.system_prompt : in.task->system_prompt;
  for (const auto& r : refs) {
    reqs.push_back({chat(system, explain_prompt(s.prompts, *in.task, g, r.index)), sampling});
    tags.push_back({{"reference_index", r.index}});
  }
  auto gens = asker.ask("explanations", reqs, tags);
  for (std::size_t k = 0; k < refs.size(); ++k) {
    if (gens[k].finish == llm::FinishReason::Error) continue;  // no explanation: asked again on the next run
    auto fe = parse_free_explanation(gens[k].text);
    refs[k].free = {{fe.text, metrics::kNA, {}, {}}};
    refs[k].free_tagged = fe.tagged;
  }
  o.requests += asker.calls;
  o.failures += asker.failures;
}

}  // namespace

namespace {

// An explanation kind: its name and a reference's explanations of that kind.
using Kind = std::pair<std::string, std::function<const std::vector<Explanation>&(const Reference&)>>;

std::vector<Kind> kinds(const Settings& s) {
  std::vector<Kind> out;
  if (s.free) out.push_back({"free", [](const Reference& r) -> const std::vector<Explanation>& { return r.free; }});
  if (s.sce) out.push_back({"sce", [](const Reference& r) -> const std::vector<Explanation>& { return r.sce; }});
  return out;
}

struct Observed {
  std::vector<Prediction> rows;
  std::vector<std::string> kind;  // per row
};

// One observer's predictions: once without an explanation per item, once with each explanation of
// each kind (a k-way run's SCEs one by one, each a row of its own).
Observed observe(const RunInputs& in, const grid::Grid& g, const Settings& s, const std::vector<Reference>& refs,
                 const std::vector<Item>& items, const Truths& truths, const Party& obs, experiment::SampleLog& log,
                 const experiment::Progress& progress, Outcome& o) {
  const task::Task& t = *in.task;
  GenerateOptions sampling = s.sampling;
  if (!t.stop.empty()) sampling.stop = t.stop;
  experiment::Asker asker{*obs.backend, s.chunk, log, progress};
  // (item, explanation) pairs; a null explanation asks without one.
  using Ask = std::pair<std::size_t, const Explanation*>;
  auto ask = [&](const std::string& stage, const std::vector<Ask>& which) {
    std::vector<llm::GenerationRequest> reqs;
    std::vector<nlohmann::json> tags;
    for (const auto& [n, e] : which) {
      const Reference& r = refs[items[n].reference];
      const auto text = e ? std::optional<std::string>(e->text) : std::nullopt;
      reqs.push_back({chat(s.system, observer_prompt(s.prompts, t, g, r.index, option_text(t, r.label),
                                                     items[n].counterfactual, text)),
                      sampling});
      tags.push_back(
          {{"observer", obs.name}, {"reference_index", r.index}, {"counterfactual_index", items[n].counterfactual}});
      if (e && e->sce_target >= 0) tags.back()["sce_target"] = option_text(t, e->sce_target);
    }
    std::vector<metrics::Label> out;
    for (const auto& gen : asker.ask(stage, reqs, tags))
      out.push_back(gen.finish == llm::FinishReason::Error ? metrics::kNA : experiment::label_of_reply(t, gen.text));
    return out;
  };
  std::vector<Ask> every;
  for (std::size_t n = 0; n < items.size(); ++n) every.push_back({n, nullptr});
  const auto without = ask(obs.name + " without", every);
  Observed result;
  for (const auto& [name, explanations] : kinds(s)) {
    std::vector<Ask> which;
    for (std::size_t n = 0; n < items.size(); ++n)
      for (const auto& e : explanations(refs[items[n].reference])) which.push_back({n, &e});
    const auto with = ask(obs.name + " with " + name, which);
    for (std::size_t k = 0; k < which.size(); ++k) {
      const auto n = which[k].first;
      const Explanation& e = *which[k].second;
      const Item& it = items[n];
      result.rows.push_back({it.reference, n, it.hamming, refs[it.reference].label, truths(it.counterfactual),
                             without[n], with[k], e.valid, e.minimal, e.sce_target});
      result.kind.push_back(name);
    }
  }
  o.requests += asker.calls;
  o.failures += asker.failures;
  return result;
}

std::string flag_text(const std::optional<bool>& b) { return b ? (*b ? "1" : "0") : ""; }

void add_csv_rows(const task::Task& t, const std::vector<Reference>& refs, const std::vector<Item>& items,
                  const std::string& observer, const Observed& obs, Table& csv) {
  for (std::size_t k = 0; k < obs.rows.size(); ++k) {
    const auto& p = obs.rows[k];
    csv.rows.push_back({std::to_string(refs[p.reference].index), std::to_string(items[p.item].counterfactual),
                        std::to_string(p.hamming), option_text(t, p.reference_label), option_text(t, p.truth), observer,
                        obs.kind[k], option_text(t, p.without), option_text(t, p.with), flag_text(p.sce_valid),
                        flag_text(p.sce_exact_minimal), option_text(t, p.sce_target)});
  }
}

}  // namespace

Outcome run_simulation(const RunInputs& in, const Settings& s, const std::vector<Party>& observers,
                       const Target& target, experiment::SampleLog& log, const experiment::Progress& progress) {
  if (observers.empty()) throw Error("simulate: no observer (give --observer SPEC at least once)");
  if (!s.free && !s.sce) throw Error("simulate: no explanation kind");
  const grid::Grid g(*in.task);
  Outcome o;
  auto refs = references(in, s);
  Truths truths(in, target, log, progress);
  const auto items = design(g, refs, s, truths, in.lazy);
  o.requests += truths.calls;
  o.failures += truths.failures;
  if (s.free) ask_free(in, g, s, refs, target, log, progress, o);
  o.csv.source = "simulate.csv";
  o.csv.columns = {"reference_index",  "counterfactual_index", "hamming",
                   "reference_answer", "target_answer",        "observer",
                   "explanation",      "prediction_without",   "prediction_with",
                   "sce_valid",        "sce_exact_minimal",    "sce_target"};
  nlohmann::json parties = nlohmann::json::array();
  std::vector<std::string> observer_names, kind_names;
  for (const auto& obs : observers) {
    add_csv_rows(*in.task, refs, items, obs.name, observe(in, g, s, refs, items, truths, obs, log, progress, o), o.csv);
    parties.push_back({{"name", obs.name}, {"model", obs.info}});
    observer_names.push_back(obs.name);
  }
  for (const auto& kind : kinds(s)) kind_names.push_back(kind.first);
  // From the table, as a merge of shards computes them: the two agree by construction.
  sort_rows(o.csv, kind_names, observer_names);
  std::size_t untagged = 0, without_sce = 0, sce_explanations = 0;
  for (const auto& r : refs) {
    untagged += !r.free.empty() && !r.free_tagged;
    without_sce += r.sce.empty();
    sce_explanations += r.sce.size();
  }
  o.json = {{"schema_version", 1},
            {"kind", "simulate"},
            {"run", in.dir},
            {"task", in.task->name},
            {"target", target.party.backend ? target.party.info : nlohmann::json(nullptr)},
            {"observers", parties},
            {"settings", s.recorded},
            {"prompts", s.prompts.path},
            {"n_references", refs.size()},
            {"n_items", items.size()},
            {"references_without_sce", without_sce},
            {"sce_explanations", sce_explanations},
            {"free_explanations_untagged", untagged},
            {"metrics", metrics_of_table(o.csv, *in.task, kind_names, observer_names, s.ci)},
            {"requests", {{"total", o.requests}, {"failed", o.failures}}},
            {"complete", o.failures == 0}};
  return o;
}

}  // namespace sceval::simulate
