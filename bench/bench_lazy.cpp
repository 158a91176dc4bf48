// Lazy decision maps (bench/README.md "Lazy decision maps"): how many labels an exact
// lazy audit asks, and what the search costs, with RuleBackendForTests (a rule, not a model) as the
// model. Prints one JSON object per measurement on stdout.
//   sceval_bench_lazy [points=200] [max_queries=1000]
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include "experiment/lazy.h"
#include "grid/by_distance.h"
#include "rule_backend_for_tests.h"
#include "task/registry.h"

using namespace sceval;

namespace {

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

// income_10d's rule: above $50,000 iff a score of education, hours, age, class of worker and
// occupation reaches a threshold; most points lie a few steps (1-10) from the boundary.
metrics::Label income_rule(const grid::Grid& g, grid::Index i) {
  auto pos = [&](const char* name) -> int {
    for (std::size_t j = 0; j < g.dims(); ++j)
      if (g.feature(j).name == name) return static_cast<int>(g.position(i, j));
    return 0;
  };
  int score = pos("SCHL") + pos("WKHP") / 8 + pos("AGEP") / 10 + (pos("COW") < 5 ? 2 : 0) + (pos("OCCP") < 10 ? 3 : 0);
  return score >= 27 ? 1 : 0;
}

// Stripes in age and education: every point lies 1-10 age steps from the boundary.
metrics::Label stripes_rule(const grid::Grid& g, grid::Index i) {
  return static_cast<metrics::Label>((g.position(i, 0) + 3 * g.position(i, 2)) % 20 < 10 ? 1 : 0);
}

// Noise labels (a hash of the index): the nearest other label is a step or two away.
metrics::Label noise_map(grid::Index i) {
  std::uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29, x *= 0xBF58476D1CE4E5B9ull, x ^= x >> 32;
  return static_cast<metrics::Label>(x & 1);
}

// The task with only its first `d` features (the prompt lists just those).
task::Task first_features(task::Task t, std::size_t d) {
  t.features.resize(d);
  t.name += fmt::format("_first{}", d);
  return t;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

struct NullLogDir {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "sceval_bench_lazy";
};

void audit(const task::Task& t, std::size_t points, std::size_t max_queries, const std::string& rule) {
  const bool stripes = rule == "stripes";
  grid::Grid g(t);
  NullLogDir tmp;
  experiment::RunSettings s;
  s.task = t.name;
  s.output = (tmp.dir / t.name).string();
  std::filesystem::create_directories(s.output);
  s.sample = points;
  s.max_queries_per_point = max_queries;
  testing::RuleBackendForTests model(
      g, [&g, stripes](grid::Index i) { return stripes ? stripes_rule(g, i) : income_rule(g, i); });
  experiment::SampleLog log(s.output + "/samples.jsonl");
  experiment::Progress none;
  experiment::Asker asker{model, 4096, log, none};
  grid::Distance exact(g, t.distance, grid::Arithmetic::Exact);
  const double c0 = cpu_seconds();
  const auto w0 = std::chrono::steady_clock::now();
  auto a = experiment::lazy_audit(t, g, s, exact, asker);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const double cpu = cpu_seconds() - c0;
  std::vector<double> q;
  std::size_t censored = 0, taken = 0;
  for (std::size_t r = 0; r < a.queries.size(); ++r) {
    if (a.queries[r]) q.push_back(static_cast<double>(a.queries[r])), taken += a.queries[r];
    censored += a.censored[r];
  }
  double mean = 0;
  for (double x : q) mean += x / static_cast<double>(q.size());
  std::cout << nlohmann::json{{"measure", "lazy_audit"},
                              {"task", t.name},
                              {"rule", rule},
                              {"features", g.dims()},
                              {"grid_points", g.size()},
                              {"audited_rows", a.sces.size()},
                              {"max_queries_per_point", max_queries},
                              {"queries_mean", mean},
                              {"queries_p50", percentile(q, 0.5)},
                              {"queries_p99", percentile(q, 0.99)},
                              {"censored", censored},
                              {"distinct_labels_asked", a.asked.label.size()},
                              {"model_requests", asker.calls},
                              {"rounds", a.rounds},
                              {"search_state_peak_mb", static_cast<double>(a.peak_state_bytes) / 1e6},
                              {"wall_s", wall},
                              {"cpu_s", cpu},
                              {"cpu_us_per_point_taken",
                               1e6 * cpu / static_cast<double>(std::max<std::size_t>(1, taken))},
                              {"peak_rss_mb", peak_rss_mb()}}
                   .dump()
            << std::endl;
}

// Enumeration alone: CPU time per point, state size.
void enumerate(const task::Task& t, std::size_t n_points) {
  grid::Grid g(t);
  grid::Distance exact(g, t.distance, grid::Arithmetic::Exact);
  std::mt19937_64 rng(3);
  const double c0 = cpu_seconds();
  std::size_t state = 0, total = 0;
  for (int o = 0; o < 20; ++o) {
    grid::PointsByDistance e(exact, rng() % g.size());
    grid::PointAtDistance p;
    for (std::size_t k = 0; k < n_points && e.next(p); ++k) ++total;
    state = std::max(state, e.state_bytes());
  }
  const double cpu = cpu_seconds() - c0;
  std::cout << nlohmann::json{{"measure", "enumeration"},
                              {"task", t.name},
                              {"grid_points", g.size()},
                              {"points_per_origin", n_points},
                              {"origins", 20},
                              {"cpu_ns_per_point", 1e9 * cpu / static_cast<double>(total)},
                              {"state_peak_mb", static_cast<double>(state) / 1e6}}
                   .dump()
            << std::endl;
}

// Paper grids: full map (every point once) vs lazy --sample 100, labels asked; rule: above iff
// the mean relative position of the features reaches one half.
void paper_ratio(const std::string& name, std::size_t points, bool noise) {
  task::Task t = task::resolve_task(name);
  grid::Grid g(t);
  auto rule = [&g, noise](grid::Index i) {
    if (noise) return noise_map(i);
    double sum = 0;
    for (std::size_t j = 0; j < g.dims(); ++j)
      sum += static_cast<double>(g.position(i, j)) / static_cast<double>(g.radix(j) - 1);
    return static_cast<metrics::Label>(sum >= 0.5 * static_cast<double>(g.dims()) ? 1 : 0);
  };
  experiment::RunSettings s;
  s.output = (std::filesystem::temp_directory_path() / "sceval_bench_lazy" / t.name).string();
  std::filesystem::create_directories(s.output);
  s.sample = points;
  s.max_queries_per_point = std::size_t{1} << 40;
  testing::RuleBackendForTests model(g, rule);
  experiment::SampleLog log(s.output + "/samples.jsonl");
  experiment::Progress none;
  experiment::Asker asker{model, 4096, log, none};
  grid::Distance exact(g, t.distance, grid::Arithmetic::Exact);
  auto a = experiment::lazy_audit(t, g, s, exact, asker);
  const std::size_t followups = a.sces.size();
  std::cout << nlohmann::json{{"measure", "paper_grid_ratio"},
                              {"task", t.name},
                              {"labels", noise ? "noise" : "linear_rule"},
                              {"grid_points", g.size()},
                              {"audited_rows", followups},
                              {"lazy_labels_asked", a.asked.label.size()},
                              {"lazy_requests", asker.calls},
                              {"full_map_requests", g.size() + followups},
                              {"label_ratio_lazy_over_full",
                               static_cast<double>(a.asked.label.size()) / static_cast<double>(g.size())}}
                   .dump()
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t points = argc > 1 ? std::stoul(argv[1]) : 200;
  const std::size_t max_queries = argc > 2 ? std::stoul(argv[2]) : 1000;
  const task::Task t10 = task::resolve_task(std::string(SCEVAL_SOURCE_DIR) + "/tasks/acs/income_10d.json");
  for (bool noise : {false, true})
    for (const char* name : {"income", "house_prices", "heart_disease"}) paper_ratio(name, 100, noise);
  enumerate(t10, 10000);
  for (const char* rule : {"stripes", "income_rule"})
    for (std::size_t d : {4, 6, 8, 10}) audit(first_features(t10, d), points, max_queries, rule);
  return 0;
}
