#pragma once
// One llama-server per test program, started on first use (see llama_server.h for where the binary
// and the model come from). Tests call `shared_llama_server()` and skip when it reports no binary.
#include <memory>
#include <string>

#include "http/llama_server.h"

namespace sceval::testing {

struct SharedLlamaServer {
  std::string skip_reason;   // non-empty: no llama-server binary or no model here
  std::string model;         // path of the model it serves
  std::string model_source;  // how the model was obtained (for messages)
  std::unique_ptr<ScratchDir> dir;
  std::unique_ptr<LlamaServer> server;  // null when skipped
};

// Starts the server on first call (4 parallel slots). Throws (test failure) when a binary is
// available but the server does not come up.
SharedLlamaServer& shared_llama_server();

}  // namespace sceval::testing

// In a test body: skips the test when no llama-server is available.
#define SCEVAL_REQUIRE_LLAMA_SERVER(env)                \
  auto& env = ::sceval::testing::shared_llama_server(); \
  if (!env.skip_reason.empty()) GTEST_SKIP() << env.skip_reason
