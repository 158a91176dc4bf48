#pragma once
// Reductions with numpy's exact floating-point behaviour (numpy 1.x, float64), so that `paper` mode
// reproduces the paper's printed numbers to the last bit: np.sum's pairwise summation, np.nanmean,
// np.nanmedian and np.percentile (linear interpolation).
#include <span>
#include <vector>

namespace sceval::metrics::numpy {

double sum(std::span<const double> a);               // np.add.reduce on a contiguous float64 array
double nanmean(std::span<const double> a);           // NaN if no finite-or-inf value
double nanmedian(std::span<const double> a);         // NaN if all NaN
double mean(std::span<const double> a);              // NaN if empty
double percentile(std::vector<double> a, double q);  // q in [0, 100], linear; NaN if empty

}  // namespace sceval::metrics::numpy
