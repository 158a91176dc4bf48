#include "metrics/numpy_compat.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sceval::metrics::numpy {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// numpy/core/src/umath/loops_utils.h.src: pairwise_sum_DOUBLE (PW_BLOCKSIZE 128, unroll 8).
double pairwise(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

std::vector<double> without_nan(std::span<const double> a) {
  std::vector<double> v;
  for (double x : a)
    if (!std::isnan(x)) v.push_back(x);
  return v;
}

}  // namespace

// A reduction starts from the first element and adds the pairwise sum of the rest.
double sum(std::span<const double> a) {
  if (a.empty()) return 0.0;
  return a[0] + pairwise(a.data() + 1, a.size() - 1);
}

double mean(std::span<const double> a) {
  if (a.empty()) return kNaN;
  return sum(a) / static_cast<double>(a.size());
}

// np.nanmean: NaNs replaced by 0 in place, summed, divided by the count of non-NaN values.
double nanmean(std::span<const double> a) {
  std::vector<double> v(a.begin(), a.end());
  std::size_t cnt = 0;
  for (auto& x : v) {
    if (std::isnan(x))
      x = 0.0;
    else
      ++cnt;
  }
  if (cnt == 0) return kNaN;
  return sum(v) / static_cast<double>(cnt);
}

// np.median: the middle element, or np.mean of the two middle elements.
double nanmedian(std::span<const double> a) {
  auto v = without_nan(a);
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  if (n % 2) return v[n / 2];
  double two[2] = {v[n / 2 - 1], v[n / 2]};
  return mean(two);
}

double percentile(std::vector<double> a, double q) {
  if (a.empty()) return kNaN;
  std::sort(a.begin(), a.end());
  double pos = q / 100.0 * static_cast<double>(a.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  std::size_t hi = std::min(lo + 1, a.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return a[lo] + (a[hi] - a[lo]) * frac;
}

}  // namespace sceval::metrics::numpy
