// The lazy audit's stages and its distance searches (lazy.h).
#include <algorithm>
#include <memory>

#include "experiment/lazy.h"
#include "grid/by_distance.h"
#include "parse/answer.h"
#include "task/render.h"

namespace sceval::experiment {
namespace {

// Asks the turn-1 label of every point not asked yet, as one batch of generate_decision_map's
// requests (same messages, same sampling: the cache serves both modes).
void ask_labels(const task::Task& t, const grid::Grid& g, const RunSettings& s, std::vector<grid::Index> points,
                const std::string& stage, bool keep_replies, AskedLabels& asked, Asker& asker) {
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::erase_if(points, [&](grid::Index i) { return asked.label.count(i) > 0; });
  if (points.empty()) return;
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  for (grid::Index i : points) {
    reqs.push_back({task::turn1_messages(t, g.record(i), s.system_prompt), sampling_for(t, s)});
    tags.push_back({{"index", i}});
  }
  auto gens = asker.ask(stage, reqs, tags);
  for (std::size_t n = 0; n < points.size(); ++n) {
    const grid::Index i = points[n];
    if (keep_replies) asked.reply[i] = gens[n].text;
    if (gens[n].finish == llm::FinishReason::Error) {
      asked.failed[i] = true;
      asked.label[i] = metrics::kNA;
      continue;
    }
    auto answer = parse::extract_answer(strip_thinking(gens[n].text), t.answer_key);
    metrics::Label l = label_of_reply(t, gens[n].text);
    asked.label[i] = l;
    if (l == metrics::kOffLabel) asked.off_label_answer[i] = answer.text;
  }
}

// One search: points in increasing distance from an origin until the first labelled `target`.
struct Search {
  std::size_t row = 0;
  metrics::Label target = 0;
  std::unique_ptr<grid::PointsByDistance> points;
  std::optional<grid::PointAtDistance> bound;  // a known target point: never take points past it
  std::vector<grid::PointAtDistance> pending;  // taken this round
  std::size_t taken = 0, step = 4;
  bool done = false, exhausted = false;
  double radius = 0;                    // distance of the last point taken
  std::optional<grid::Nearest> result;  // when done: found or not; nullopt: censored
};

Search make_search(std::size_t row, metrics::Label target, std::unique_ptr<grid::PointsByDistance> points) {
  Search q;
  q.row = row, q.target = target, q.points = std::move(points);
  return q;
}

bool past(const grid::PointAtDistance& p, const grid::PointAtDistance& bound) {
  return p.distance > bound.distance || (p.distance == bound.distance && p.index > bound.index);
}

// Takes this round's points of a search; returns the ones whose labels are unknown.
void take_points(Search& q, std::size_t budget, const AskedLabels& asked, std::vector<grid::Index>& unknown) {
  const std::size_t want = std::min(q.step, budget - q.taken);
  grid::PointAtDistance p;
  while (q.pending.size() < want) {
    if (!q.points->next(p) || (q.bound && past(p, *q.bound))) {
      q.exhausted = true;
      break;
    }
    q.pending.push_back(p);
    if (!asked.label.count(p.index)) unknown.push_back(p.index);
  }
}

// Looks for the target among the labels of this round's points; ends the search when found, when
// the grid (or the bound) is exhausted, or when the budget is spent (censored).
void settle(Search& q, std::size_t budget, const AskedLabels& asked) {
  for (const auto& p : q.pending) {
    ++q.taken;
    q.radius = p.distance;
    if (asked.at(p.index) == q.target) {
      q.result = grid::Nearest{p.distance, p.index};
      q.done = true;
      break;
    }
  }
  q.pending.clear();
  if (q.done) return;
  if (q.exhausted)
    q.result = grid::Nearest{}, q.done = true;
  else if (q.taken >= budget)
    q.done = true;  // censored
  // Rounds grow by half: at most a third of a search's queries are past its answer, and the number
  // of rounds stays logarithmic in the search length.
  q.step = std::min<std::size_t>(256, std::max(q.step, q.taken / 2));
}

// Advances all searches together, one batch of label requests per round.
void run_searches(const task::Task& t, const grid::Grid& g, const RunSettings& s, std::vector<Search>& searches,
                  LazyAudit& audit, Asker& asker) {
  const std::size_t budget = std::max<std::size_t>(1, s.max_queries_per_point);
  for (;;) {
    std::vector<grid::Index> unknown;
    std::size_t active = 0, state = 0;
    for (auto& q : searches) {
      if (q.done) continue;
      ++active;
      take_points(q, budget, audit.asked, unknown);
      state += q.points->state_bytes();
    }
    audit.peak_state_bytes = std::max(audit.peak_state_bytes, state);
    if (!active) return;
    ++audit.rounds;
    ask_labels(t, g, s, std::move(unknown), "lazy_search", false, audit.asked, asker);
    for (auto& q : searches)
      if (!q.done) settle(q, budget, audit.asked);
  }
}

bool all_values(const std::vector<std::optional<double>>& v) {
  return std::all_of(v.begin(), v.end(), [](const auto& x) { return x.has_value(); });
}

}  // namespace

LazyAudit lazy_audit(const task::Task& t, const grid::Grid& g, const RunSettings& s, const grid::Distance& exact,
                     Asker& asker) {
  LazyAudit a;
  const auto points = select_points_lazy(g, s);
  ask_labels(t, g, s, points, "decision_map", true, a.asked, asker);
  auto fus = complements(
      t, [&a](grid::Index i) { return a.asked.at(i); }, points, s);
  a.sces = ask_followups(
      t, g, s,
      [&a](grid::Index i) {
        return Turn1{a.asked.reply.at(i), a.asked.failed.count(i) > 0};
      },
      fus, asker);
  const std::size_t rows = a.sces.size();

  // Labels of the SCEs' grid points (fresh context), then the d_min searches, bounded by valid SCEs.
  std::vector<grid::Index> sce_points;
  for (const auto& x : a.sces)
    if (x.record) sce_points.push_back(g.index(*x.record));
  ask_labels(t, g, s, sce_points, "lazy_search", false, a.asked, asker);

  std::vector<metrics::LazyFacts> facts(rows);
  std::vector<Search> searches;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto& x = a.sces[r];
    facts[r].original = a.asked.at(x.index);
    if (x.record) facts[r].sce_point_label = a.asked.at(g.index(*x.record));
    if (facts[r].original < 0 || x.target < 0) continue;  // dropped rows need no search
    Search q;
    q.row = r, q.target = x.target, q.points = std::make_unique<grid::PointsByDistance>(exact, x.index);
    if (x.record && !x.live_label && *facts[r].sce_point_label == x.target) {
      const grid::Index si = g.index(*x.record);
      q.bound = grid::PointAtDistance{si, exact(x.index, si)};
    }
    searches.push_back(std::move(q));
  }
  run_searches(t, g, s, searches, a, asker);
  a.queries.assign(rows, 0);
  a.radius.assign(rows, metrics::kNaN);
  for (auto& q : searches) facts[q.row].closest = q.result, a.queries[q.row] += q.taken, a.radius[q.row] = q.radius;

  // Invalid SCEs: the distance from the SCE to the nearest point of the requested label.
  std::vector<Search> boundary;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto& x = a.sces[r];
    if (!facts[r].closest || !facts[r].closest->found()) continue;
    if (x.record) {
      const metrics::Label l = x.live_label ? *x.live_label : *facts[r].sce_point_label;
      if (l != x.target)
        boundary.push_back(
            make_search(r, x.target, std::make_unique<grid::PointsByDistance>(exact, g.index(*x.record))));
    } else if (x.status == "off_grid" && x.values.size() == g.dims() && all_values(x.values) &&
               !(x.live_label && *x.live_label == x.target)) {
      std::vector<double> codes;
      for (const auto& v : x.values) codes.push_back(*v);
      boundary.push_back(make_search(r, x.target, std::make_unique<grid::PointsByDistance>(exact, codes)));
    }
  }
  run_searches(t, g, s, boundary, a, asker);
  a.censored.assign(rows, false);
  for (auto& q : boundary) {
    a.queries[q.row] += q.taken;
    if (!q.result)
      a.censored[q.row] = true;
    else if (a.sces[q.row].record)
      facts[q.row].sce_boundary = q.result;
    else
      facts[q.row].values_boundary = q.result->found() ? q.result->distance : metrics::kNaN;
  }
  for (std::size_t r = 0; r < rows; ++r) {
    if (!facts[r].closest && facts[r].original >= 0 && a.sces[r].target >= 0) a.censored[r] = true;
    a.strict.push_back(metrics::score_strict_lazy(exact, a.sces[r], facts[r]));
  }
  return a;
}

}  // namespace sceval::experiment
