#include "cli/cmd_bench.h"

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "common/error.h"
#include "grid/distance.h"
#include "grid/grid.h"
#include "task/registry.h"

namespace sceval::cli {

using grid::Arithmetic;
using grid::Index;
using grid::Label;

namespace {

// --- grids and label maps ---------------------------------------------------------------------

std::vector<std::size_t> axis_lengths(std::uint64_t points, int features) {
  // Equal lengths L = floor(N^(1/D)), then lengthen axes by one, one at a time, until the product
  // reaches N: the product is N when N is a D-th power, else the first such product >= N.
  auto pow_le = [&](std::uint64_t l) {  // l^D <= points, without overflow
    long double p = 1;
    for (int j = 0; j < features; ++j) p *= static_cast<long double>(l);
    return p <= static_cast<long double>(points);
  };
  auto l = static_cast<std::uint64_t>(std::floor(std::pow(static_cast<long double>(points), 1.0L / features)));
  l = std::max<std::uint64_t>(l, 1);
  while (l > 1 && !pow_le(l)) --l;
  while (pow_le(l + 1)) ++l;
  std::vector<std::size_t> len(features, l);
  auto product = [&] {
    long double p = 1;
    for (auto x : len) p *= static_cast<long double>(x);
    return p;
  };
  for (int j = 0; product() < static_cast<long double>(points); j = (j + 1) % features) ++len[j];
  return len;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

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
    auto t1 = std::chrono::steady_clock::now();
    s.push_back(std::chrono::duration<double>(t1 - t0).count());
    total += s.back();
  } while (reps > 0 ? static_cast<int>(s.size()) < reps
                    : total + s.back() <= budget && static_cast<int>(s.size()) < max_reps);
  return s;
}

double round_to(double x, int digits) {
  double p = std::pow(10.0, digits);
  return std::round(x * p) / p;
}

// --- one run ----------------------------------------------------------------------------------

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

// `compare`: also time the brute force and check the transform against it.
nlohmann::json run_closest(const task::Task& t, const std::string& task_name, task::DistanceKind kind,
                           Arithmetic mode, int n_labels, std::uint64_t seed, bool compare,
                           const ClosestOptions& o) {
  grid::Grid g(t);
  std::mt19937_64 rng(seed);
  auto labels = structured_labels(g, n_labels, rng);
  grid::Distance dist(g, kind, mode);
  const double rss_before = peak_rss_mb();

  std::optional<grid::BoundaryDistances> bd;
  auto secs = time_runs([&] { bd.reset(); },  // never hold two results at once
                        [&] { bd.emplace(dist, labels, n_labels); }, o.repeat);

  nlohmann::json brute = nullptr, mismatches = nullptr, index_mismatches = nullptr, brute_reps = nullptr;
  if (compare) {
    std::vector<std::vector<grid::Nearest>> slow(n_labels);
    auto bsecs = time_runs(
        [] {},
        [&] {
          for (int l = 0; l < n_labels; ++l) {
            std::vector<bool> tg(n_labels, false);
            tg[l] = true;
            slow[l] = grid::nearest_with_label_brute_force(dist, labels, tg);
          }
        },
        o.repeat, 1.0, 20);
    brute = median_of(bsecs);
    brute_reps = bsecs.size();
    std::uint64_t bad = 0, bad_index = 0;
    for (int l = 0; l < n_labels; ++l)
      for (Index i = 0; i < g.size(); ++i) {
        grid::Nearest fast = bd->nearest(i, l), ref = slow[l][i];
        if (fast.found() != ref.found() || (ref.found() && fast.distance != ref.distance)) ++bad;
        else if (fast.index != ref.index) ++bad_index;
      }
    mismatches = bad;
    // The chosen points must agree too when sums are exact integers, and for float sums on grids
    // small enough for closest.cpp's lowest-index scan; beyond that another point at the same
    // distance may be kept (closest.h).
    if (dist.integral() || g.size() <= grid::kFloatTieScanLimit) index_mismatches = bad_index;
  }

  std::vector<std::uint64_t> counts(n_labels, 0);
  for (Label l : labels) ++counts[l];
  std::vector<std::size_t> axes;
  for (std::size_t j = 0; j < g.dims(); ++j) axes.push_back(g.radix(j));
  const double med = median_of(secs);
  return nlohmann::json{
      {"task", task_name},
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
      {"brute_force_seconds", brute},
      {"brute_force_repeats", brute_reps},
      {"speedup", brute.is_null() ? nlohmann::json(nullptr) : nlohmann::json(round_to(brute.get<double>() / med, 1))},
      {"mismatches", mismatches},
      {"index_mismatches", index_mismatches},
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

void run_closest_command(const ClosestOptions& o, const CLI::App& cmd) {
  const bool mode_given = cmd.count("--mode") > 0, distance_given = cmd.count("--distance") > 0;
  std::vector<std::string> tasks = o.tasks;
  if (o.paper_grids) tasks.insert(tasks.end(), {"income", "house_prices", "heart_disease"});
  if (!tasks.empty()) {
    std::vector<Arithmetic> modes = mode_given ? std::vector{parse_mode(o.mode)}
                                               : std::vector{Arithmetic::Exact, Arithmetic::Paper};
    for (const auto& name : tasks) {
      task::Task t = task::resolve_task(name);
      auto kind = distance_given ? parse_distance(o.distance) : t.distance;
      int k = cmd.count("--labels") ? o.labels : static_cast<int>(t.options.size());
      for (auto m : modes)
        std::cout << run_closest(t, t.name, kind, m, k, o.seed + 1, grid::Grid(t).size() <= o.brute_force_max, o).dump()
                  << std::endl;
    }
    return;
  }
  if (o.points == 0 || o.features <= 0)
    throw CLI::ValidationError("bench closest", "give --points N --features D, or --paper-grids / --task");
  std::mt19937_64 rng(o.seed);
  task::Task t = random_bench_task(o.points, o.features, o.labels, rng);
  // Compare when the requested size is small (the grid may be slightly larger: 20000 -> 12^4).
  std::cout << run_closest(t, "random", parse_distance(o.distance), parse_mode(o.mode), o.labels, o.seed + 1,
                           o.points <= o.brute_force_max, o)
                   .dump()
            << std::endl;
}

}  // namespace

task::Task random_bench_task(std::uint64_t points, int features, int labels, std::mt19937_64& rng) {
  if (features <= 0) throw Error("random grid: --features must be at least 1");
  if (points == 0) throw Error("random grid: --points must be at least 1");
  task::Task t;
  t.name = "random";
  t.prompt = "{description}";
  t.followup = "{complement}";
  for (int i = 0; i < labels; ++i) t.options.push_back("label " + std::to_string(i));
  auto len = axis_lengths(points, features);
  for (int j = 0; j < features; ++j) {
    task::Feature f;
    f.name = f.key = "x" + std::to_string(j);
    f.description = f.name + ": {value}";
    const auto n = static_cast<std::int64_t>(len[j]);
    if (j % 2 == 0) {  // integer range with a varied start and step
      static constexpr std::int64_t steps[] = {1, 2, 5, 10};
      f.kind = task::FeatureKind::Integer;
      f.step = steps[rng() % 4];
      f.start = static_cast<std::int64_t>(rng() % 50);
      f.stop = f.start + f.step * (n - 1);
    } else {  // ordinal levels with uneven increasing codes
      f.kind = task::FeatureKind::Ordinal;
      std::int64_t c = static_cast<std::int64_t>(rng() % 10);
      for (std::int64_t i = 0; i < n; ++i) {
        c += 1 + static_cast<std::int64_t>(rng() % 3);
        f.levels.push_back({c, "level " + std::to_string(c)});
      }
    }
    t.features.push_back(std::move(f));
  }
  return t;
}

std::vector<Label> structured_labels(const grid::Grid& g, int labels, std::mt19937_64& rng, double noise) {
  if (labels <= 0) throw Error("label map: --labels must be at least 1");
  const std::size_t d = g.dims();
  const Index N = g.size();
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  // Additive score: per axis a table over its positions.
  std::vector<std::vector<double>> contrib(d);
  for (std::size_t j = 0; j < d; ++j) {
    const std::size_t n = g.radix(j);
    contrib[j].resize(n);
    if (g.feature(j).numeric()) {
      double w = normal(rng), c = 0.5 * normal(rng);
      for (std::size_t p = 0; p < n; ++p) {
        double x = n > 1 ? static_cast<double>(p) / static_cast<double>(n - 1) : 0.0;
        contrib[j][p] = w * x + c * (x - 0.5) * (x - 0.5);
      }
    } else {
      for (auto& v : contrib[j]) v = 0.5 * normal(rng);
    }
  }
  auto score_at = [&](Index i) {
    double s = 0;
    for (std::size_t j = 0; j < d; ++j) s += contrib[j][g.position(i, j)];
    return s;
  };
  // Thresholds at jittered quantiles of a sample of scores: classes of roughly equal size.
  std::vector<double> sample;
  const Index n_sample = std::min<Index>(N, 20001);
  sample.reserve(n_sample);
  if (n_sample == N)
    for (Index i = 0; i < N; ++i) sample.push_back(score_at(i));
  else
    for (Index s = 0; s < n_sample; ++s) sample.push_back(score_at(rng() % N));
  std::sort(sample.begin(), sample.end());
  std::vector<double> cut;
  for (int k = 1; k < labels; ++k) {
    double q = (k + (unit(rng) - 0.5) * 0.4) / labels;
    cut.push_back(sample[std::min<std::size_t>(sample.size() - 1, static_cast<std::size_t>(q * sample.size()))]);
  }
  std::sort(cut.begin(), cut.end());
  // All points in index order with an odometer over the positions (no divisions).
  std::vector<Label> out(N);
  std::vector<std::size_t> pos(d, 0);
  for (Index i = 0; i < N; ++i) {
    double s = 0;
    for (std::size_t j = 0; j < d; ++j) s += contrib[j][pos[j]];
    auto l = static_cast<Label>(std::upper_bound(cut.begin(), cut.end(), s) - cut.begin());
    if (unit(rng) < noise) l = static_cast<Label>(rng() % static_cast<std::uint64_t>(labels));
    out[i] = l;
    for (std::size_t j = d; j-- > 0;) {
      if (++pos[j] < g.radix(j)) break;
      pos[j] = 0;
    }
  }
  return out;
}

void add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Measure sceval's algorithms (timings, memory)");
  bench->require_subcommand(1);
  auto o = std::make_shared<ClosestOptions>();
  auto* closest = bench->add_subcommand(
      "closest",
      "Time the exact closest-counterfactual transform (all labels, all points) on a random grid or the "
      "paper's grids, against the O(N^2) brute force when N is small; prints one JSON object per run");
  closest->add_option("--points", o->points, "Grid size N (the grid has the smallest near-cubic size >= N)");
  closest->add_option("--features", o->features, "Number of ordered features D");
  closest->add_option("--labels", o->labels, "Number of labels K (default 2; with --paper-grids the task's)")
      ->check(CLI::Range(1, 1000));
  closest->add_option("--seed", o->seed, "Random seed for the grid and the label map")->capture_default_str();
  closest->add_option("--distance", o->distance, "gower | l1_mad | l2_std (with --paper-grids: the task's)")
      ->check(CLI::IsMember({"gower", "l1_mad", "l1", "l2_std", "l2"}))
      ->capture_default_str();
  closest->add_option("--mode", o->mode, "exact | paper (with --paper-grids: both)")
      ->check(CLI::IsMember({"exact", "paper"}))
      ->capture_default_str();
  closest->add_flag("--paper-grids", o->paper_grids, "Run on the paper's grids: income, house_prices, heart_disease");
  closest->add_option("--task", o->tasks, "Run on this task (name or file); repeatable");
  closest->add_option("--repeat", o->repeat, "Timed repetitions (default: automatic, about 0.5 s per figure)");
  closest->add_option("--brute-force-max", o->brute_force_max,
                      "Compare with the brute force when N (as requested, or the task's grid size) is at most this")
      ->capture_default_str();
  closest->callback([o, closest] { run_closest_command(*o, *closest); });
}

}  // namespace sceval::cli
