#pragma once
// Backends, conversations and requests shared by the llama.cpp backend tests.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "grid/grid.h"
#include "llm/llama_backend.h"
#include "llm/llm_support.h"
#include "task/registry.h"
#include "task/render.h"

namespace sceval::testing::llama {

using namespace sceval::llm;

// Numerics: kDefault = llama-server's (F16 KV cache, flash attention on); kStable = F32 KV cache,
// no flash attention, under which results on this F32 model hardly depend on the batch shape.
enum Numerics { kDefault, kStable };

inline LlamaBackend make(bool reference, int n_parallel = 0, int n_ctx = 0, Numerics numerics = kDefault) {
  LlamaOptions o;
  o.model_path = sceval::testing::tiny_model();
  o.reference_mode = reference;
  o.n_parallel = n_parallel;
  o.n_ctx = n_ctx;
  // Some CPU kernels split work by thread count: fix it so results do not depend on the machine.
  // One thread: ggml's OpenMP threads spin while waiting, which is slow when the machine is busy.
  o.n_threads = 1;
  if (numerics == kStable) o.kv_f32 = true, o.flash_attn = 0;
  return LlamaBackend(o);
}

// The income task's turn-1 conversations at `n` grid points spread over the grid, then a few
// unrelated conversations (with and without a system message).
inline std::vector<Conversation> conversations(std::size_t n, std::size_t stride = 97) {
  const task::Task t = task::resolve_task("income");
  const grid::Grid g(t);
  std::vector<Conversation> c;
  for (std::size_t k = 0; k < n; ++k)
    c.push_back(task::turn1_messages(t, g.record(static_cast<grid::Index>(k * stride % g.size()))));
  c.push_back({{"user", "Is the sky blue?"}});
  c.push_back({{"system", "You are terse."}, {"user", "Name three colours."}});
  c.push_back({{"user", "What is 2+2?"}});
  c.push_back({{"user", "Tell me a story about a cat."}, {"assistant", "Once upon a time"}, {"user", "Go on."}});
  return c;
}

inline std::vector<GenerationRequest> requests(const std::vector<Conversation>& convs, int max_tokens,
                                               double temperature = 0, int top_logprobs = 0) {
  std::vector<GenerationRequest> r;
  for (std::size_t i = 0; i < convs.size(); ++i) {
    GenerationRequest q{convs[i], {}};
    q.sampling.max_tokens = max_tokens;
    q.sampling.temperature = temperature;
    q.sampling.top_logprobs = top_logprobs;
    q.sampling.seed = 1000 + i;
    r.push_back(q);
  }
  return r;
}

inline std::vector<std::string> texts(const std::vector<Generation>& g) {
  std::vector<std::string> t;
  for (const auto& x : g) {
    EXPECT_NE(x.finish, FinishReason::Error) << x.error;
    t.push_back(x.text);
  }
  return t;
}

}  // namespace sceval::testing::llama
