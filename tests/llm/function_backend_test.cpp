// A model made of functions (Model::from_functions, Python callables): its score function's values
// are log-probabilities, checked where the library receives them, naming the request.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "error_helpers.h"
#include "llm/function_backend.h"

namespace sceval::llm {
namespace {

using sceval::testing::error_of;
using sceval::testing::has;

std::string score_error(std::vector<double> second_row) {
  FunctionBackend b(
      "t", [](std::span<const GenerationRequest> r) { return std::vector<std::string>(r.size()); },
      [second_row](std::span<const LabelScoreRequest> r) {
        std::vector<std::vector<double>> out(r.size(), {-0.5, -1.0});
        out[1] = second_row;
        return out;
      });
  std::vector<LabelScoreRequest> reqs(3, LabelScoreRequest{{{"user", "q"}}, "", {"yes", "no"}});
  return error_of([&] { b.score_options(reqs); });
}

TEST(FunctionBackendScores, LogProbabilitiesAreAccepted) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(score_error({std::log(0.3), -inf}), "(no error)");
  EXPECT_EQ(score_error({0.0, -2.0}), "(no error)");  // probability 1: a log-probability of 0
}

TEST(FunctionBackendScores, ValuesThatAreNoLogProbabilityAreRefused) {
  const double inf = std::numeric_limits<double>::infinity();
  std::string e = score_error({0.7, 0.3});  // probabilities, not their logs
  EXPECT_TRUE(has(e, "returned 0.7 for option 0 of request 1: expected a log-probability")) << e;
  EXPECT_TRUE(has(e, "return log(p)")) << e;
  e = score_error({-1.0, inf});
  EXPECT_TRUE(has(e, "returned inf for option 1 of request 1")) << e;
  e = score_error({std::nan(""), -1.0});
  EXPECT_TRUE(has(e, "returned NaN for option 0 of request 1")) << e;
  e = score_error({-inf, -inf});
  EXPECT_TRUE(has(e, "-inf for every option of request 1")) << e;
}

}  // namespace
}  // namespace sceval::llm
