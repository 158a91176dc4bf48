#include "experiment/baselines.h"

#include <algorithm>
#include <random>

#include "grid/closest.h"
#include "results/results_json.h"

namespace sceval::experiment {

std::string_view to_string(Baseline b) {
  switch (b) {
    case Baseline::Oracle:
      return "oracle";
    case Baseline::RandomValid:
      return "random_valid";
    case Baseline::OneStep:
      return "one_step";
  }
  return "?";
}

namespace {

// splitmix64: a row's own generator seed, from (seed, index, target).
std::uint64_t row_seed(std::uint64_t seed, grid::Index i, metrics::Label target) {
  std::uint64_t z =
      seed ^ (i * 0x9E3779B97F4A7C15ull) ^ (static_cast<std::uint64_t>(target) + 1) * 0xD1B54A32D192ED03ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

metrics::SceInput edit_to(const grid::Grid& g, const BaselineRow& row, std::optional<grid::Index> point) {
  metrics::SceInput in;
  in.index = row.index;
  in.target = row.target;
  if (!point) {
    in.status = "no_edit";
    return in;
  }
  in.record = g.record(*point);
  for (std::size_t j = 0; j < g.dims(); ++j)
    in.values.emplace_back(static_cast<double>(g.feature(j).code((*in.record)[j])));
  return in;
}

// Every point one step away from x along one axis.
std::vector<grid::Index> one_step_neighbours(const grid::Grid& g, grid::Index x) {
  std::vector<grid::Index> out;
  for (std::size_t j = 0; j < g.dims(); ++j) {
    const std::size_t p = g.position(x, j), n = g.radix(j);
    const grid::Index base = x - p * g.stride(j);
    if (g.feature(j).type == task::FeatureType::Categorical) {
      for (std::size_t q = 0; q < n; ++q)
        if (q != p) out.push_back(base + q * g.stride(j));
    } else {
      if (p > 0) out.push_back(base + (p - 1) * g.stride(j));
      if (p + 1 < n) out.push_back(base + (p + 1) * g.stride(j));
    }
  }
  return out;
}

std::optional<grid::Index> one_step(const grid::Distance& dist, const metrics::DecisionMap& map, const BaselineRow& r) {
  auto cands = one_step_neighbours(dist.grid(), r.index);
  if (cands.empty()) return std::nullopt;
  std::vector<std::pair<double, grid::Index>> by_distance;
  for (grid::Index c : cands) by_distance.emplace_back(dist(r.index, c), c);
  std::sort(by_distance.begin(), by_distance.end());
  for (const auto& [d, c] : by_distance)
    if (map.labels[c] == r.target) return c;
  return by_distance.front().second;
}

}  // namespace

std::vector<metrics::SceInput> baseline_sces(Baseline b, const grid::Distance& dist, const metrics::DecisionMap& map,
                                             const std::vector<BaselineRow>& rows, std::uint64_t seed) {
  const grid::Grid& g = dist.grid();
  std::vector<metrics::SceInput> out;
  out.reserve(rows.size());
  if (b == Baseline::Oracle) {
    grid::BoundaryDistances bd(dist, map.labels, static_cast<int>(g.task().options.size()));
    for (const auto& r : rows) {
      auto n = r.target >= 0 ? bd.nearest(r.index, r.target) : grid::Nearest{};
      out.push_back(edit_to(g, r, n.found() ? std::optional(n.index) : std::nullopt));
    }
  } else if (b == Baseline::RandomValid) {
    std::vector<std::vector<grid::Index>> with_label(g.task().options.size());
    for (grid::Index i = 0; i < g.size(); ++i)
      if (map.labels[i] >= 0) with_label[static_cast<std::size_t>(map.labels[i])].push_back(i);
    for (const auto& r : rows) {
      std::optional<grid::Index> pick;
      if (r.target >= 0 && !with_label[static_cast<std::size_t>(r.target)].empty()) {
        const auto& pool = with_label[static_cast<std::size_t>(r.target)];
        std::mt19937_64 rng(row_seed(seed, r.index, r.target));
        pick = pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng)];
      }
      out.push_back(edit_to(g, r, pick));
    }
  } else {
    for (const auto& r : rows) out.push_back(edit_to(g, r, one_step(dist, map, r)));
  }
  return out;
}

nlohmann::json baselines_json(const grid::Grid& g, const metrics::DecisionMap& map, task::DistanceKind kind,
                              const std::vector<BaselineRow>& rows, std::uint64_t seed,
                              const metrics::BootstrapSettings& bootstrap) {
  grid::Distance paper_dist(g, kind, grid::Arithmetic::Paper), exact_dist(g, kind, grid::Arithmetic::Exact);
  metrics::Scorer paper(paper_dist, map, metrics::Mode::Paper), strict(exact_dist, map, metrics::Mode::Strict);
  nlohmann::json out = nlohmann::json::object();
  for (Baseline b : kBaselines) {
    nlohmann::json entry;
    for (const metrics::Scorer* scorer : {&paper, &strict}) {
      const auto& dist = scorer == &paper ? paper_dist : exact_dist;
      auto sces = baseline_sces(b, dist, map, rows, seed);
      std::vector<metrics::SceScore> scores;
      for (const auto& s : sces) scores.push_back(scorer->score(s));
      entry[std::string(metrics::to_string(scorer->mode()))] = results::mode_json(dist, scores, sces, bootstrap);
    }
    out[std::string(to_string(b))] = entry;
  }
  return out;
}

std::vector<BaselineRow> baseline_rows(const std::vector<metrics::SceInput>& sces) {
  std::vector<BaselineRow> rows;
  rows.reserve(sces.size());
  for (const auto& s : sces) rows.push_back({s.index, s.target});
  return rows;
}

}  // namespace sceval::experiment
