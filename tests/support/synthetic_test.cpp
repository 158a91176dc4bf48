// The synthetic inputs that tests and benchmarks share (tests/support/synthetic.h): what their
// comments promise, checked independently of how they are built.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/error.h"
#include "grid/grid.h"
#include "support.h"

using namespace sceval;

namespace {

std::uint64_t product(const std::vector<std::size_t>& len) {
  std::uint64_t p = 1;
  for (auto l : len) p *= l;
  return p;
}

}  // namespace

// Near-cubic: lengths differ by at most one, the product reaches N, and no grid of near-equal axes
// with fewer points does (found by enumerating every such shape: base length L, r axes at L + 1).
TEST(Synthetic, RandomOrderedTaskIsTheSmallestNearCubicGridOfAtLeastNPoints) {
  std::mt19937_64 rng(7);
  for (std::uint64_t n : {1ull, 2ull, 7ull, 100ull, 1000ull, 1001ull, 4095ull, 20000ull, 65537ull})
    for (int d = 1; d <= 4; ++d) {
      const task::Task t = sceval::testing::random_ordered_task(n, d, 2, rng);
      const grid::Grid g(t);  // keeps a reference to t
      std::vector<std::size_t> len;
      for (std::size_t j = 0; j < g.dims(); ++j) len.push_back(g.radix(j));
      ASSERT_EQ(len.size(), static_cast<std::size_t>(d));
      const auto [lo, hi] = std::minmax_element(len.begin(), len.end());
      EXPECT_LE(*hi - *lo, 1u) << n << " " << d;
      EXPECT_GE(product(len), n) << n << " " << d;
      std::uint64_t best = ~0ull;
      for (std::size_t l = 1; l <= n; ++l) {
        for (int r = 0; r <= d; ++r) {
          std::vector<std::size_t> shape(d, l);
          for (int j = 0; j < r; ++j) ++shape[j];
          if (product(shape) >= n) best = std::min(best, product(shape));
        }
        if (product(std::vector<std::size_t>(d, l)) >= n) break;
      }
      EXPECT_EQ(product(len), best) << n << " " << d;
    }
  EXPECT_THROW(sceval::testing::random_ordered_task(0, 2, 2, rng), Error);
  EXPECT_THROW(sceval::testing::random_ordered_task(10, 0, 2, rng), Error);
}

// Labels in range, every class present (thresholds at jittered quantiles), about `noise` of the
// points off the noiseless map, and the same seed giving the same map.
TEST(Synthetic, StructuredLabelsAreBalancedClassesWithTheRequestedNoise) {
  std::mt19937_64 rng(3);
  const task::Task t = sceval::testing::random_ordered_task(20000, 3, 3, rng);
  const grid::Grid g(t);
  std::mt19937_64 a(11), b(11), c(11);
  const auto noisy = sceval::testing::structured_labels(g, 3, a, 0.2);
  const auto clean = sceval::testing::structured_labels(g, 3, b, 0.0);
  ASSERT_EQ(noisy.size(), g.size());
  std::vector<std::size_t> count(3, 0);
  for (auto l : clean) {
    ASSERT_GE(l, 0);
    ASSERT_LT(l, 3);
    ++count[static_cast<std::size_t>(l)];
  }
  for (auto n : count) EXPECT_GT(n, g.size() / 10) << "classes of roughly equal size";
  // Relabelled points keep their label 1/3 of the time: expect 0.2 * 2/3 of them to differ.
  std::size_t differ = 0;
  for (std::size_t i = 0; i < g.size(); ++i) differ += noisy[i] != clean[i];
  const double rate = static_cast<double>(differ) / static_cast<double>(g.size());
  EXPECT_NEAR(rate, 0.2 * 2 / 3, 0.02);
  EXPECT_EQ(sceval::testing::structured_labels(g, 3, c, 0.2), noisy);
  EXPECT_THROW(sceval::testing::structured_labels(g, 0, c), Error);
}

TEST(Synthetic, UniformLabelsHaveTheRequestedNaRate) {
  std::mt19937_64 rng(5);
  const auto l = sceval::testing::uniform_labels(rng, 40000, 4, 0.25);
  std::size_t na = 0;
  for (auto x : l) {
    if (x == grid::kNA)
      ++na;
    else
      ASSERT_TRUE(x >= 0 && x < 4);
  }
  EXPECT_NEAR(static_cast<double>(na) / 40000.0, 0.25, 0.01);
}
