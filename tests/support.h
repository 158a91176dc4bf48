#pragma once
// Helpers shared by the tests: small tasks built in code, random grids.
#include <random>
#include <string>

#include "task/task.h"

namespace sceval::testing {

inline task::Feature integer_feature(std::string name, std::int64_t start, std::int64_t stop, std::int64_t step = 1) {
  task::Feature f;
  f.name = f.key = std::move(name);
  f.kind = task::FeatureKind::Integer;
  f.start = start, f.stop = stop, f.step = step;
  f.description = f.name + ": {value}";
  return f;
}

inline task::Feature level_feature(std::string name, task::FeatureKind kind, std::vector<std::int64_t> codes) {
  task::Feature f;
  f.name = f.key = std::move(name);
  f.kind = kind;
  for (auto c : codes) f.levels.push_back({c, f.name + " level " + std::to_string(c)});
  f.description = f.name + ": {value}";
  return f;
}

inline task::Task make_task(std::vector<task::Feature> features, int n_labels = 2) {
  task::Task t;
  t.name = "test";
  t.features = std::move(features);
  for (int i = 0; i < n_labels; ++i) t.options.push_back("label " + std::to_string(i));
  t.prompt = "{description}";
  t.followup = "{complement}";
  return t;
}

// A random task with 1..max_features features of mixed kinds and small axes.
inline task::Task random_task(std::mt19937_64& rng, int max_features, int n_labels) {
  std::uniform_int_distribution<int> nf(1, max_features), kind(0, 2), len(1, 7), st(1, 4);
  std::vector<task::Feature> fs;
  int d = nf(rng);
  for (int j = 0; j < d; ++j) {
    int n = len(rng);
    std::string name = "f" + std::to_string(j);
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
        fs.push_back(level_feature(name, task::FeatureKind::Ordinal, codes));
        break;
      }
      default: {
        std::vector<std::int64_t> codes;
        for (int i = 0; i < std::max(n, 2); ++i) codes.push_back(i + 1);
        fs.push_back(level_feature(name, task::FeatureKind::Categorical, codes));
      }
    }
  }
  return make_task(std::move(fs), n_labels);
}

}  // namespace sceval::testing
