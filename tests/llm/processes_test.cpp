// The llama.cpp backend against other programs: (c) a real llama-server on the same model and
// messages, and (d) the `sceval llm generate` command run twice.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "llm/llama_backend.h"
#include "llm/llm_support.h"
#include "llm/server_process.h"

#ifndef SCEVAL_LLAMA_SERVER
#define SCEVAL_LLAMA_SERVER ""
#endif
#ifndef SCEVAL_CLI
#define SCEVAL_CLI ""
#endif

namespace sceval::llm {
namespace {

using sceval::testing::tiny_model;

std::string server_binary() {
  if (const char* e = std::getenv("SCEVAL_LLAMA_SERVER"); e && *e) return e;
  return SCEVAL_LLAMA_SERVER;
}

// llama-server on the tiny model, one slot, one thread, `extra_args`; up when constructed.
struct Server {
  testing::ScratchDir dir;
  LlamaServerProcess process;
  explicit Server(const std::vector<std::string>& extra_args)
      : process([&] {
          LlamaServerOptions o;
          o.binary = server_binary();
          o.model = tiny_model();
          o.parallel = 1;
          o.n_ctx = 2048;
          o.extra_args = extra_args;
          o.log = dir.file("server.log");
          return o;
        }()) {}
};

// (c) Greedy generation equals llama-server's /v1/chat/completions at temperature 0: llama-server's
// default numerics against the backend's defaults, and `-fa off -ctk f32 -ctv f32` against
// kv_f32 + flash_attn 0. Reference mode and (for single conversations) batched mode.
TEST(LlamaServer, GreedyEqualsLlamaServer) {
  ASSERT_TRUE(std::filesystem::exists(server_binary()))
      << "llama-server not found at '" << server_binary()
      << "' (build target sceval_llama_tools or set SCEVAL_LLAMA_SERVER)";
  constexpr int n_ctx = 2048, max_tokens = 32;
  const std::vector<Conversation> convs{
      {{"user", "Is the sky blue?"}},
      {{"system", "You answer in JSON."}, {"user", "What is this person's estimated yearly income? Age 45."}},
      {{"user", "Tell me a story."},
       {"assistant", "Once upon a time"},
       {"user", "Go on, with \"quotes\" and ünïcödé."}},
  };
  for (bool stable : {false, true}) {
    std::vector<std::string> args;
    if (stable) args = {"-fa", "off", "-ctk", "f32", "-ctv", "f32"};
    Server server(args);  // throws (test failure) with the server's log when it does not come up
    std::vector<std::string> from_server;
    for (const auto& c : convs) {
      nlohmann::json body{{"messages", nlohmann::json::array()}, {"temperature", 0}, {"max_tokens", max_tokens}};
      for (const auto& m : c) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
      auto r = testing::http(server.process.port(), "POST", "/v1/chat/completions", body.dump());
      ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
      auto j = nlohmann::json::parse(r->body);
      from_server.push_back(j["choices"][0]["message"]["content"].get<std::string>());
      EXPECT_EQ(j["usage"]["completion_tokens"].get<int>(), max_tokens);  // random weights: no early EOS
    }
    server.process.stop();

    for (bool reference : {true, false}) {
      LlamaOptions o;
      o.model_path = tiny_model();
      o.n_ctx = n_ctx;
      o.n_threads = 1;
      o.reference_mode = reference;
      if (stable) o.kv_f32 = true, o.flash_attn = 0;
      LlamaBackend b(o);
      for (std::size_t i = 0; i < convs.size(); ++i) {
        GenerationRequest req{convs[i], {}};
        req.sampling.max_tokens = max_tokens;
        auto out = b.generate(std::span(&req, 1))[0];
        EXPECT_EQ(out.text, from_server[i]) << "conversation " << i << (reference ? ", reference mode" : ", batched")
                                            << (stable ? ", kv f32 / no flash attention" : ", default numerics");
        EXPECT_EQ(out.completion_tokens, max_tokens);
        EXPECT_EQ(out.finish, FinishReason::Length);
      }
    }
  }
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "popen failed";
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = pclose(p);
  return rc == 0 ? out : "exit status " + std::to_string(rc) + ": " + out;
}

// (d) The same command twice gives the same text (greedy, and seeded sampling).
TEST(LlamaCli, SameCommandSameText) {
  const std::string base = std::string(SCEVAL_CLI) + " llm generate -m '" + tiny_model() +
                           "' -p 'What is the capital of France?' --max-tokens 24 --threads 1 --json";
  for (const std::string& extra : {std::string(), std::string(" --temperature 0.8 --gen-seed 7")}) {
    const auto a = run(base + extra), b = run(base + extra);
    ASSERT_EQ(a.rfind("{", 0), 0u) << a;
    EXPECT_EQ(a, b);
    auto j = nlohmann::json::parse(a);
    EXPECT_EQ(j["completion_tokens"], 24);
    EXPECT_FALSE(j["text"].get<std::string>().empty());
  }
}

}  // namespace
}  // namespace sceval::llm
