// Exact closest counterfactuals (grid/closest.h): the separable transform for every label of a
// structured random decision map, against the O(N^2) brute force, on the paper's grids; and the
// transform alone on large random grids (4 ordered features). Inputs from sceval_testing, as in
// sceval-bench-closest. See bench/README.md.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>

#include "bench_util.h"
#include "grid/closest.h"
#include "support/synthetic.h"
#include "task/task.h"

using namespace sceval;
using grid::Arithmetic;
using task::DistanceKind;

namespace {

constexpr std::uint64_t kSeed = 1;

// A task, its grid, a distance and a label map, built once per benchmark (outside the timing).
struct Fixture {
  task::Task task;
  std::unique_ptr<grid::Grid> g;
  std::unique_ptr<grid::Distance> dist;
  std::vector<grid::Label> labels;
  int n_labels = 2;

  Fixture(task::Task t, DistanceKind kind, Arithmetic mode, int k) : task(std::move(t)), n_labels(k) {
    g = std::make_unique<grid::Grid>(task);
    dist = std::make_unique<grid::Distance>(*g, kind, mode);
    std::mt19937_64 rng(kSeed + 1);
    labels = testing::structured_labels(*g, n_labels, rng);
  }
};

task::Task paper_task(const std::string& name) {
  return task::load_task_file(std::string(SCEVAL_TASK_DIR) + "/paper/" + name + ".json");
}

void set_counters(benchmark::State& state, const Fixture& f) {
  state.counters["points"] = static_cast<double>(f.g->size());
  state.counters["labels"] = f.n_labels;
  state.counters["points_per_s"] =
      benchmark::Counter(static_cast<double>(f.g->size()) * f.n_labels, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_rss_mb"] = bench::peak_rss_mb();
}

// Nearest point of every label for every point (what a decision map's metrics need).
void transform(benchmark::State& state, const Fixture& f) {
  for (auto _ : state) {
    grid::BoundaryDistances bd(*f.dist, f.labels, f.n_labels);
    benchmark::DoNotOptimize(bd);
  }
  set_counters(state, f);
}

void brute_force(benchmark::State& state, const Fixture& f) {
  for (auto _ : state)
    for (int l = 0; l < f.n_labels; ++l) {
      std::vector<bool> tg(f.n_labels, false);
      tg[l] = true;
      auto r = grid::nearest_with_label_brute_force(*f.dist, f.labels, tg);
      benchmark::DoNotOptimize(r);
    }
  set_counters(state, f);
}

struct Config {
  const char* name;
  DistanceKind kind;
  Arithmetic mode;
};
constexpr Config kPaperConfigs[] = {
    {"gower_exact", DistanceKind::Gower, Arithmetic::Exact},
    {"gower_paper", DistanceKind::Gower, Arithmetic::Paper},
    {"l1_mad_exact", DistanceKind::L1Mad, Arithmetic::Exact},
    {"l2_std_exact", DistanceKind::L2Std, Arithmetic::Exact},
};

void register_all() {
  for (const char* grid_name : {"income", "house_prices", "heart_disease"})
    for (const auto& c : kPaperConfigs) {
      auto f = std::make_shared<Fixture>(paper_task(grid_name), c.kind, c.mode, 2);
      std::string suffix = std::string(grid_name) + "/" + c.name;
      benchmark::RegisterBenchmark(("transform/" + suffix).c_str(), [f](benchmark::State& s) {
        transform(s, *f);
      })->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("brute_force/" + suffix).c_str(), [f](benchmark::State& s) {
        brute_force(s, *f);
      })->Unit(benchmark::kMillisecond);
    }
  // Large random grids: 4 ordered features, 2 labels. Fixtures are built lazily (the 10^7 one holds
  // 40 MB of labels) and released after their benchmark, so --benchmark_filter runs one alone and
  // its peak_rss_mb counter is meaningful.
  constexpr Config kLargeConfigs[] = {
      {"gower_exact", DistanceKind::Gower, Arithmetic::Exact},
      {"l1_mad_exact", DistanceKind::L1Mad, Arithmetic::Exact},
      {"gower_paper", DistanceKind::Gower, Arithmetic::Paper},
      {"l2_std_exact", DistanceKind::L2Std, Arithmetic::Exact},
  };
  for (std::uint64_t n : {std::uint64_t{100000}, std::uint64_t{1000000}, std::uint64_t{10000000}})
    for (const auto& c : kLargeConfigs) {
      std::string name = "transform/random_" + std::to_string(n) + "x4/" + c.name;
      benchmark::RegisterBenchmark(name.c_str(),
                                   [n, c](benchmark::State& s) {
                                     std::mt19937_64 rng(kSeed);
                                     Fixture f(testing::random_ordered_task(n, 4, 2, rng), c.kind, c.mode, 2);
                                     transform(s, f);
                                   })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
