// The llama.cpp engine's limits: a context or batch too small for llama.cpp aborted the process
// inside it (GGML_ASSERT, exit 134); they are refused before llama.cpp is called, naming the flag
// and the bound, and the smallest accepted values run.
#include <gtest/gtest.h>

#include "common/error.h"
#include "llm/llama_helpers.h"
#include "llm/llm_support.h"

namespace sceval::llm {
namespace {

using namespace sceval::testing::llama;

LlamaOptions tiny(int n_ctx, int n_batch, int n_parallel = 0) {
  LlamaOptions o;
  o.model_path = sceval::testing::tiny_model();
  o.n_ctx = n_ctx;
  o.n_batch = n_batch;
  o.n_parallel = n_parallel;
  o.n_threads = 1;
  return o;
}

std::string open_error(const LlamaOptions& o) {
  try {
    LlamaBackend b(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LlamaLimits, TooSmallABatchOrContextIsRefusedNamingTheFlag) {
  std::string e = open_error(tiny(0, 1));
  EXPECT_NE(e.find("--batch 1: the llama.cpp engine needs at least 2"), std::string::npos) << e;
  e = open_error(tiny(1, 0));
  EXPECT_NE(e.find("--ctx 1: the llama.cpp engine needs at least 2"), std::string::npos) << e;
  e = open_error(tiny(-3, 0));
  EXPECT_NE(e.find("--ctx -3"), std::string::npos) << e;
}

// The smallest accepted shapes, and more sequences asked for than a decode call holds: the engine
// runs them (fewer sequences in flight) instead of aborting in llama.cpp's graph reservation.
TEST(LlamaLimits, TheSmallestAcceptedShapesRun) {
  for (const auto& o : {tiny(0, 2), tiny(2, 0), tiny(16, 4, 8), tiny(0, 3, 64)}) {
    LlamaBackend b(o);
    EXPECT_LT(b.options().n_parallel, std::min(o.n_ctx > 0 ? o.n_ctx : 1 << 20, o.n_batch > 0 ? o.n_batch : 512));
    auto out = b.generate(requests({{{"user", "Hi"}}, {{"user", "Is the sky blue?"}}}, 2));
    ASSERT_EQ(out.size(), 2u);
    for (const auto& g : out) EXPECT_NE(g.finish, FinishReason::Error) << g.error;
  }
}

}  // namespace
}  // namespace sceval::llm
