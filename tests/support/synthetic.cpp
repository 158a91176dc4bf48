#include "support/synthetic.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace sceval::testing {

using grid::Index;
using grid::Label;

task::Feature integer_feature(std::string name, std::int64_t start, std::int64_t stop, std::int64_t step) {
  task::Feature f;
  f.name = f.key = std::move(name);
  f.type = task::FeatureType::Integer;
  f.start = start, f.stop = stop, f.step = step;
  f.description = f.name + ": {value}";
  return f;
}

task::Feature level_feature(std::string name, task::FeatureType type, std::vector<std::int64_t> codes) {
  task::Feature f;
  f.name = f.key = std::move(name);
  f.type = type;
  for (auto c : codes) f.levels.push_back({c, fmt::format("{} level {}", f.name, c)});
  f.description = f.name + ": {value}";
  return f;
}

task::Task make_task(std::vector<task::Feature> features, int n_labels) {
  task::Task t;
  t.name = "test";
  t.features = std::move(features);
  for (int i = 0; i < n_labels; ++i) t.options.push_back(fmt::format("label {}", i));
  t.prompt = "{description}";
  t.followup = "{complement}";
  return t;
}

task::Task random_task(std::mt19937_64& rng, int max_features, int n_labels) {
  std::uniform_int_distribution<int> nf(1, max_features), kind(0, 2), len(1, 7), st(1, 4);
  std::vector<task::Feature> fs;
  int d = nf(rng);
  for (int j = 0; j < d; ++j) {
    int n = len(rng);
    std::string name = fmt::format("f{}", j);
    switch (kind(rng)) {
      case 0: {
        int step = st(rng) * (rng() % 5 == 0 ? -1 : 1);
        std::int64_t start = static_cast<std::int64_t>(rng() % 50);
        fs.push_back(integer_feature(name, start, start + step * (n - 1), step));
        break;
      }
      case 1: {  // ordinal with uneven, increasing codes
        std::vector<std::int64_t> codes;
        std::int64_t c = static_cast<std::int64_t>(rng() % 10);
        for (int i = 0; i < n; ++i) codes.push_back(c += 1 + static_cast<std::int64_t>(rng() % 3));
        fs.push_back(level_feature(name, task::FeatureType::Ordinal, codes));
        break;
      }
      default: {
        std::vector<std::int64_t> codes;
        for (int i = 0; i < std::max(n, 2); ++i) codes.push_back(i + 1);
        fs.push_back(level_feature(name, task::FeatureType::Categorical, codes));
      }
    }
  }
  return make_task(std::move(fs), n_labels);
}

namespace {

// Equal lengths L = floor(N^(1/D)), then axes lengthened by one, one at a time, until the product
// reaches N: the product is N when N is a D-th power, else the first such product >= N.
std::vector<std::size_t> near_cubic_axes(std::uint64_t points, int features) {
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

}  // namespace

task::Task random_ordered_task(std::uint64_t points, int features, int n_labels, std::mt19937_64& rng) {
  if (features <= 0) throw Error("random grid: --features must be at least 1");
  if (points == 0) throw Error("random grid: --points must be at least 1");
  task::Task t = make_task({}, n_labels);
  t.name = "random";
  const auto len = near_cubic_axes(points, features);
  for (int j = 0; j < features; ++j) {
    task::Feature f;
    f.name = f.key = fmt::format("x{}", j);
    f.description = f.name + ": {value}";
    const auto n = static_cast<std::int64_t>(len[j]);
    if (j % 2 == 0) {  // integer range with a varied start and step
      static constexpr std::int64_t steps[] = {1, 2, 5, 10};
      f.type = task::FeatureType::Integer;
      f.step = steps[rng() % 4];
      f.start = static_cast<std::int64_t>(rng() % 50);
      f.stop = f.start + f.step * (n - 1);
    } else {  // ordinal levels with uneven increasing codes
      f.type = task::FeatureType::Ordinal;
      std::int64_t c = static_cast<std::int64_t>(rng() % 10);
      for (std::int64_t i = 0; i < n; ++i) {
        c += 1 + static_cast<std::int64_t>(rng() % 3);
        f.levels.push_back({c, fmt::format("level {}", c)});
      }
    }
    t.features.push_back(std::move(f));
  }
  return t;
}

std::vector<Label> uniform_labels(std::mt19937_64& rng, Index n, int k, double na_rate) {
  std::vector<Label> l(n);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& x : l) x = u(rng) < na_rate ? grid::kNA : static_cast<Label>(rng() % static_cast<std::uint64_t>(k));
  return l;
}

namespace {

// Per axis, a score for each of its positions (the additive rule of structured_labels).
std::vector<std::vector<double>> axis_scores(const grid::Grid& g, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0, 1);
  std::vector<std::vector<double>> contrib(g.dims());
  for (std::size_t j = 0; j < g.dims(); ++j) {
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
  return contrib;
}

// k-1 thresholds at jittered quantiles of a sample of scores: classes of roughly equal size.
std::vector<double> class_cuts(const grid::Grid& g, const std::vector<std::vector<double>>& contrib, int k,
                               std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  auto score_at = [&](Index i) {
    double s = 0;
    for (std::size_t j = 0; j < g.dims(); ++j) s += contrib[j][g.position(i, j)];
    return s;
  };
  const Index N = g.size();
  const Index n_sample = std::min<Index>(N, 20001);
  std::vector<double> sample;
  sample.reserve(n_sample);
  if (n_sample == N)
    for (Index i = 0; i < N; ++i) sample.push_back(score_at(i));
  else
    for (Index s = 0; s < n_sample; ++s) sample.push_back(score_at(rng() % N));
  std::sort(sample.begin(), sample.end());
  std::vector<double> cut;
  for (int c = 1; c < k; ++c) {
    double q = (c + (unit(rng) - 0.5) * 0.4) / k;
    cut.push_back(sample[std::min<std::size_t>(sample.size() - 1, static_cast<std::size_t>(q * sample.size()))]);
  }
  std::sort(cut.begin(), cut.end());
  return cut;
}

}  // namespace

std::vector<Label> structured_labels(const grid::Grid& g, int k, std::mt19937_64& rng, double noise) {
  if (k <= 0) throw Error("label map: --labels must be at least 1");
  const auto contrib = axis_scores(g, rng);
  const auto cut = class_cuts(g, contrib, k, rng);
  std::uniform_real_distribution<double> unit(0, 1);
  // All points in index order with an odometer over the positions (no divisions).
  const std::size_t d = g.dims();
  std::vector<Label> out(g.size());
  std::vector<std::size_t> pos(d, 0);
  for (Index i = 0; i < g.size(); ++i) {
    double s = 0;
    for (std::size_t j = 0; j < d; ++j) s += contrib[j][pos[j]];
    auto l = static_cast<Label>(std::upper_bound(cut.begin(), cut.end(), s) - cut.begin());
    if (unit(rng) < noise) l = static_cast<Label>(rng() % static_cast<std::uint64_t>(k));
    out[i] = l;
    for (std::size_t j = d; j-- > 0;) {
      if (++pos[j] < g.radix(j)) break;
      pos[j] = 0;
    }
  }
  return out;
}

}  // namespace sceval::testing
