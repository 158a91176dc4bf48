// sceval-bench-closest: times the exact closest-counterfactual transform (grid/closest.h) on a random
// grid or on tasks' grids (the paper's with --paper-grids), checks it against the O(N^2) brute force
// where that is affordable, and prints one JSON object per run. Inputs come from sceval_testing
// (random_ordered_task, structured_labels), as in sceval-bench-closest-gbench. See bench/README.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "bench_util.h"
#include "common/error.h"
#include "grid/distance.h"
#include "grid/grid.h"
#include "support/synthetic.h"
#include "task/registry.h"

namespace sceval::bench {
namespace {

using grid::Arithmetic;
using grid::Index;
using grid::Label;

struct ClosestOptions {
  std::uint64_t points = 0;
  int features = 0;
  int labels = 2;
  std::uint64_t seed = 1;
  std::string distance = "gower";
  std::string mode = "exact";
  bool paper_grids = false;
  std::vector<std::string> tasks;
  int repeat = 0;  // 0: automatic
  std::uint64_t brute_force_max = 20000;
};

// Runs `fn` once, then again while the total stays under `budget` seconds (at most `max_reps`
// times), or exactly `reps` times when reps > 0; `setup` runs untimed before each run. Returns each
// run's seconds.
template <class Setup, class Fn>
std::vector<double> time_runs(Setup&& setup, Fn&& fn, int reps, double budget = 0.5, int max_reps = 1000) {
  std::vector<double> s;
  double total = 0;
  do {
    setup();
    auto t0 = std::chrono::steady_clock::now();
    fn();
    s.push_back(seconds_since(t0));
    total += s.back();
  } while (reps > 0 ? static_cast<int>(s.size()) < reps
                    : total + s.back() <= budget && static_cast<int>(s.size()) < max_reps);
  return s;
}

// The brute force for every label, timed; and how many (point, label) pairs disagree with `bd`:
// in found/distance, and (where closest.h promises the same point) in the chosen point.
nlohmann::json compare_with_brute_force(const grid::Distance& dist, const std::vector<Label>& labels, int n_labels,
                                        const grid::BoundaryDistances& bd, int repeat) {
  const grid::Grid& g = dist.grid();
  std::vector<std::vector<grid::Nearest>> slow(n_labels);
  auto secs = time_runs([] {},
                        [&] {
                          for (int l = 0; l < n_labels; ++l) {
                            std::vector<bool> tg(n_labels, false);
                            tg[l] = true;
                            slow[l] = grid::nearest_with_label_brute_force(dist, labels, tg);
                          }
                        },
                        repeat, 1.0, 20);
  std::uint64_t bad = 0, bad_index = 0;
  for (int l = 0; l < n_labels; ++l)
    for (Index i = 0; i < g.size(); ++i) {
      grid::Nearest fast = bd.nearest(i, l), ref = slow[l][i];
      if (fast.found() != ref.found() || (ref.found() && fast.distance != ref.distance))
        ++bad;
      else if (fast.index != ref.index)
        ++bad_index;
    }
  // The chosen points must agree too when sums are exact integers, and for float sums on grids
  // small enough for closest.cpp's lowest-index scan; beyond that another point at the same
  // distance may be kept (closest.h).
  const bool same_point = dist.integral() || g.size() <= grid::kFloatTieScanLimit;
  return {{"seconds", median_of(secs)},
          {"repeats", secs.size()},
          {"mismatches", bad},
          {"index_mismatches", same_point ? nlohmann::json(bad_index) : nlohmann::json(nullptr)}};
}

// One run. `compare`: also time the brute force and check the transform against it.
nlohmann::json run_closest(const task::Task& t, task::DistanceKind kind, Arithmetic mode, int n_labels,
                           std::uint64_t seed, bool compare, int repeat) {
  grid::Grid g(t);
  std::mt19937_64 rng(seed);
  auto labels = testing::structured_labels(g, n_labels, rng);
  grid::Distance dist(g, kind, mode);
  const double rss_before = peak_rss_mb();

  std::optional<grid::BoundaryDistances> bd;
  auto secs = time_runs([&] { bd.reset(); },  // never hold two results at once
                        [&] { bd.emplace(dist, labels, n_labels); }, repeat);
  nlohmann::json brute = compare ? compare_with_brute_force(dist, labels, n_labels, *bd, repeat) : nlohmann::json();

  std::vector<std::uint64_t> counts(n_labels, 0);
  for (Label l : labels) ++counts[l];
  std::vector<std::size_t> axes;
  for (std::size_t j = 0; j < g.dims(); ++j) axes.push_back(g.radix(j));
  const double med = median_of(secs);
  auto from_brute = [&](const char* key) { return compare ? brute[key] : nlohmann::json(nullptr); };
  return nlohmann::json{
      {"task", t.name},
      {"points", g.size()},
      {"features", g.dims()},
      {"axes", axes},
      {"labels", n_labels},
      {"label_counts", counts},
      {"distance", std::string(task::to_string(kind))},
      {"mode", std::string(grid::to_string(mode))},
      {"integral", dist.integral()},
      {"seed", seed},
      {"seconds", med},
      {"seconds_min", *std::min_element(secs.begin(), secs.end())},
      {"seconds_per_label", med / n_labels},
      {"repeats", secs.size()},
      {"brute_force_seconds", from_brute("seconds")},
      {"brute_force_repeats", from_brute("repeats")},
      {"speedup",
       compare ? nlohmann::json(round_to(brute["seconds"].get<double>() / med, 1)) : nlohmann::json(nullptr)},
      {"mismatches", from_brute("mismatches")},
      {"index_mismatches", from_brute("index_mismatches")},
      {"rss_before_mb", round_to(rss_before, 1)},
      {"peak_rss_mb", round_to(peak_rss_mb(), 1)},
  };
}

Arithmetic parse_mode(const std::string& s) {
  auto m = grid::arithmetic_from_string(s);
  if (!m) throw Error(fmt::format("--mode: expected exact or paper, got \"{}\"", s));
  return *m;
}

task::DistanceKind parse_distance(const std::string& s) {
  auto d = task::distance_from_string(s);
  if (!d) throw Error(fmt::format("--distance: expected gower, l1_mad or l2_std, got \"{}\"", s));
  return *d;
}

// Named tasks: each in exact and paper mode (unless --mode), with the task's distance and labels
// unless given.
void run_on_tasks(const ClosestOptions& o, const CLI::App& app) {
  std::vector<std::string> tasks = o.tasks;
  if (o.paper_grids) tasks.insert(tasks.end(), {"income", "house_prices", "heart_disease"});
  const std::vector<Arithmetic> modes =
      app.count("--mode") ? std::vector{parse_mode(o.mode)} : std::vector{Arithmetic::Exact, Arithmetic::Paper};
  for (const auto& name : tasks) {
    task::Task t = task::resolve_task(name);
    auto kind = app.count("--distance") ? parse_distance(o.distance) : t.distance;
    int k = app.count("--labels") ? o.labels : static_cast<int>(t.options.size());
    for (auto m : modes)
      std::cout << run_closest(t, kind, m, k, o.seed + 1, grid::Grid(t).size() <= o.brute_force_max, o.repeat).dump()
                << std::endl;
  }
}

void run(const ClosestOptions& o, const CLI::App& app) {
  if (!o.tasks.empty() || o.paper_grids) return run_on_tasks(o, app);
  if (o.points == 0 || o.features <= 0)
    throw CLI::ValidationError("sceval-bench-closest", "give --points N --features D, or --paper-grids / --task");
  std::mt19937_64 rng(o.seed);
  task::Task t = testing::random_ordered_task(o.points, o.features, o.labels, rng);
  // Compare when the requested size is small (the grid may be slightly larger: 20000 -> 12^4).
  std::cout << run_closest(t, parse_distance(o.distance), parse_mode(o.mode), o.labels, o.seed + 1,
                           o.points <= o.brute_force_max, o.repeat)
                   .dump()
            << std::endl;
}

void add_options(CLI::App& app, ClosestOptions& o) {
  app.add_option("--points", o.points, "Grid size N (the grid has the smallest near-cubic size >= N)");
  app.add_option("--features", o.features, "Number of ordered features D");
  app.add_option("--labels", o.labels, "Number of labels K (default 2; with --paper-grids the task's)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--seed", o.seed, "Random seed for the grid and the label map")->capture_default_str();
  app.add_option("--distance", o.distance, "gower | l1_mad | l2_std (with --paper-grids: the task's)")
      ->check(CLI::IsMember({"gower", "l1_mad", "l1", "l2_std", "l2"}))
      ->capture_default_str();
  app.add_option("--mode", o.mode, "exact | paper (with --paper-grids: both)")
      ->check(CLI::IsMember({"exact", "paper"}))
      ->capture_default_str();
  app.add_flag("--paper-grids", o.paper_grids, "Run on the paper's grids: income, house_prices, heart_disease");
  app.add_option("--task", o.tasks, "Run on this task (name or file); repeatable");
  app.add_option("--repeat", o.repeat, "Timed repetitions (default: automatic, about 0.5 s per figure)");
  app.add_option("--brute-force-max", o.brute_force_max,
                 "Compare with the brute force when N (as requested, or the task's grid size) is at most this")
      ->capture_default_str();
}

}  // namespace
}  // namespace sceval::bench

int main(int argc, char** argv) {
  CLI::App app{
      "sceval-bench-closest: time the exact closest-counterfactual transform (all labels, all points) on a "
      "random grid or the paper's grids, against the O(N^2) brute force when N is small; prints one JSON "
      "object per run"};
  sceval::bench::ClosestOptions o;
  sceval::bench::add_options(app, o);
  return sceval::bench::run_program("sceval-bench-closest", app, argc, argv, [&] { sceval::bench::run(o, app); });
}
