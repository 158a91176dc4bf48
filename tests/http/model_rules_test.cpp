// What each hosted model family accepts (src/llm/http/model_rules.h), against stand-ins that refuse
// what the providers document they refuse (tests/http/provider_rules.h): OpenAI reasoning models
// (o-series, GPT-5 family) and reasoning_effort, top_logprobs' range, Anthropic's manual thinking
// budget (>= 1024, below max_tokens), adaptive thinking and its effort, and which Claude families
// take which thinking mode. The tables in docs/backends.md are checked against the code's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "http/batch_replay.h"
#include "llm/http/model_rules.h"
#include "llm/http/model_spec.h"

#ifndef SCEVAL_SOURCE_DIR
#define SCEVAL_SOURCE_DIR ""
#endif

namespace sceval::llm {
namespace {

using nlohmann::json;
using sceval::testing::BatchReplay;
using sceval::testing::TestServer;

constexpr const char* kKeyVar = "SCEVAL_TEST_RULES_KEY";

struct HttpModelRules : ::testing::Test {
  BatchReplay replay;
  std::unique_ptr<TestServer> server;
  void SetUp() override {
    ::setenv(kKeyVar, "sk-rules-test", 1);
    server = std::make_unique<TestServer>(std::ref(replay));
    replay.base = server->url();
  }
  void TearDown() override { ::unsetenv(kKeyVar); }
  std::string spec(const std::string& provider, const std::string& model, const std::string& extra = "") const {
    const std::string url = provider == "openai" ? server->url() + "/v1" : server->url();
    return fmt::format("{}:{}@{};api_key_env={};max_attempts=1{}", provider, model, url, kKeyVar, extra);
  }
  // One request (the CLI's default max_tokens 1000) through `spec`: its answer.
  Generation ask(const std::string& s, int top_logprobs = 0) {
    GenerationRequest r;
    r.messages = {{"user", "hello"}};
    r.sampling.max_tokens = 1000;
    r.sampling.top_logprobs = top_logprobs;
    return make_http_backend(s)->generate(std::vector<GenerationRequest>{r}).at(0);
  }
};

std::string refusal(const std::string& s) {
  try {
    make_http_backend(s);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The documented example: ;thinking=10000 with the default max_tokens of 1000. The API wants the
// budget below max_tokens: the request asks for budget + answer, directly and in a batch.
TEST_F(HttpModelRules, TheDocumentedThinkingExampleIsAccepted) {
  for (const std::string batch : {"", ";batch=1;batch_poll=0.01"}) {
    SCOPED_TRACE(batch);
    const Generation g = ask(spec("anthropic", "claude-sonnet-4-20250514", ";thinking=10000" + batch));
    EXPECT_EQ(g.finish, FinishReason::Stop) << g.error;
    EXPECT_EQ(g.text, "answer to: hello");
  }
  const auto b = make_http_backend(spec("anthropic", "claude-sonnet-4-20250514", ";thinking=10000"));
  EXPECT_NE(b->identity().find(";thinking=10000;max_tokens=10000+answer"), std::string::npos) << b->identity();
  AnthropicOptions o;
  o.model = "claude-sonnet-4-20250514";
  o.thinking = AnthropicThinking::Enabled;
  GenerationRequest r;
  r.messages = {{"user", "Q"}};
  r.sampling.max_tokens = 1000;
  const auto body = anthropic_request_body(r, o);
  EXPECT_EQ(body["max_tokens"], 11000);
  EXPECT_EQ(body["thinking"]["budget_tokens"], 10000);
}

// A budget the API refuses is refused when the spec is read, naming both values.
TEST_F(HttpModelRules, AThinkingBudgetBelow1024IsRefusedUpFront) {
  for (const std::string setting : {";thinking=500", ";thinking;thinking_budget=1023"}) {
    const std::string why = refusal(spec("anthropic", "claude-sonnet-4-20250514", setting));
    EXPECT_NE(why.find("1024"), std::string::npos) << why;
  }
  AnthropicOptions o;  // built by hand, past the spec reader: the backend still refuses it
  o.model = "claude-sonnet-4-20250514";
  o.base_url = server->url();
  o.thinking = AnthropicThinking::Enabled;
  o.thinking_budget = 100;
  try {
    AnthropicBackend b(o);
    ADD_FAILURE() << "budget 100 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("100 is below the API's minimum of 1024"), std::string::npos) << e.what();
  }
  EXPECT_EQ(replay.direct_calls.load(), 0);
}

// Adaptive thinking with its effort: {"type": "adaptive"}, output_config.effort, no temperature.
TEST_F(HttpModelRules, AdaptiveThinkingWithEffort) {
  for (const std::string model : {"claude-opus-4-6", "claude-opus-4-7", "claude-sonnet-4-6-20260101"}) {
    SCOPED_TRACE(model);
    const std::string s = spec("anthropic", model, ";thinking=adaptive;effort=medium");
    const Generation g = ask(s);
    EXPECT_EQ(g.finish, FinishReason::Stop) << g.error;
    EXPECT_NE(make_http_backend(s)->identity().find(";thinking=adaptive;effort=medium"), std::string::npos);
  }
  AnthropicOptions o = anthropic_options(parse_model_spec("anthropic:claude-opus-4-6;thinking=adaptive;effort=max"));
  GenerationRequest r;
  r.messages = {{"user", "Q"}};
  r.sampling.max_tokens = 4000;
  const auto body = anthropic_request_body(r, o);
  EXPECT_EQ(json(body["thinking"]), json({{"type", "adaptive"}}));
  EXPECT_EQ(json(body["output_config"]), json({{"effort", "max"}}));
  EXPECT_EQ(body["max_tokens"], 4000);
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_NE(refusal("anthropic:claude-opus-4-6;effort=extreme").find("low, medium, high, max"), std::string::npos);
}

// The model table refuses, before any request, the thinking mode a family would refuse every time.
TEST_F(HttpModelRules, EachClaudeFamilyGetsTheThinkingItTakes) {
  EXPECT_NE(refusal(spec("anthropic", "claude-opus-4-7", ";thinking=10000")).find("adaptive thinking only"),
            std::string::npos);
  EXPECT_NE(refusal(spec("anthropic", "claude-opus-4-7", ";thinking=disabled")).find("adaptive thinking only"),
            std::string::npos);
  EXPECT_NE(refusal(spec("anthropic", "claude-sonnet-4-5-20250929", ";thinking=adaptive")).find("no adaptive thinking"),
            std::string::npos);
  EXPECT_NE(refusal(spec("anthropic", "claude-opus-4-20250514", ";thinking=adaptive")).find("no adaptive thinking"),
            std::string::npos);
  EXPECT_EQ(replay.direct_calls.load(), 0);
  // Deprecated but still accepted on the 4.6 models; a name the table does not know is not judged.
  EXPECT_EQ(refusal(spec("anthropic", "claude-opus-4-6", ";thinking=2048")), "no error");
  EXPECT_EQ(refusal(spec("anthropic", "my-proxy-alias", ";thinking=adaptive")), "no error");
  EXPECT_EQ(ask(spec("anthropic", "claude-opus-4-6", ";thinking=2048")).finish, FinishReason::Stop);
}

// The GPT-5 family is a reasoning model: max_completion_tokens, no temperature.
TEST_F(HttpModelRules, Gpt5IsAReasoningModel) {
  for (const std::string model : {"gpt-5", "gpt-5-mini-2025-08-07", "gpt-5.1", "o3-2025-04-16", "openai/o4-mini"}) {
    SCOPED_TRACE(model);
    const Generation g = ask(spec("openai", model));
    EXPECT_EQ(g.finish, FinishReason::Stop) << g.error;
    const auto o = openai_options(parse_model_spec("openai:" + model));
    EXPECT_TRUE(o.reasoning && o.omit_temperature && o.max_completion_tokens);
  }
  EXPECT_EQ(ask(spec("openai", "gpt-4o")).finish, FinishReason::Stop);  // classic: max_tokens, temperature
  // A model the table does not know, marked by the user.
  const auto o = openai_options(parse_model_spec("openai:my-reasoner@http://h/v1;reasoning=1;reasoning_effort=high"));
  GenerationRequest r;
  r.messages = {{"user", "Q"}};
  r.sampling.max_tokens = 100;
  const auto body = openai_request_body(r, o);
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body["max_completion_tokens"], 100);
  EXPECT_EQ(body["reasoning_effort"], "high");
  EXPECT_FALSE(openai_options(parse_model_spec("openai:gpt-5;reasoning=0")).omit_temperature);
}

// reasoning_effort is sent and recorded in the identity; on a model that is not a reasoning model
// it is refused before any request.
TEST_F(HttpModelRules, ReasoningEffort) {
  const std::string s = spec("openai", "gpt-5-mini", ";reasoning_effort=low");
  EXPECT_EQ(ask(s).finish, FinishReason::Stop);
  EXPECT_NE(make_http_backend(s)->identity().find(";reasoning_effort=low"), std::string::npos);
  EXPECT_NE(refusal(spec("openai", "gpt-4o", ";reasoning_effort=low")).find("reasoning=1"), std::string::npos);
  EXPECT_NE(refusal(spec("openai", "o3", ";reasoning_effort=huge")).find("minimal"), std::string::npos);
  EXPECT_EQ(replay.direct_calls.load(), 1);
}

// top_logprobs above 20 (the API's range): refused before anything is sent.
TEST_F(HttpModelRules, TopLogprobsAbove20IsRefusedBeforeAnyRequest) {
  try {
    ask(spec("openai", "gpt-4o"), 21);
    ADD_FAILURE() << "top_logprobs 21 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("top_logprobs 21"), std::string::npos) << e.what();
  }
  EXPECT_EQ(replay.direct_calls.load(), 0);
  EXPECT_EQ(ask(spec("openai", "gpt-4o"), 20).finish, FinishReason::Stop);
}

TEST(HttpModelTable, LongestPrefixWins) {
  using http::find_anthropic_rule;
  using http::find_openai_rule;
  EXPECT_EQ(find_openai_rule("o1")->shape, http::OpenAIShape::Reasoning);
  EXPECT_EQ(find_openai_rule("vendor/o3-pro")->shape, http::OpenAIShape::Reasoning);
  EXPECT_EQ(find_openai_rule("gpt-4o"), nullptr);
  EXPECT_EQ(find_openai_rule("omni"), nullptr);
  EXPECT_EQ(find_anthropic_rule("claude-opus-4-7")->thinking, http::AnthropicThinkingRule::AdaptiveOnly);
  EXPECT_EQ(find_anthropic_rule("claude-opus-4-6")->thinking, http::AnthropicThinkingRule::AdaptivePreferred);
  EXPECT_EQ(find_anthropic_rule("claude-opus-4-1-20250805")->thinking, http::AnthropicThinkingRule::ManualOnly);
  EXPECT_EQ(find_anthropic_rule("claude-opus-4-20250514")->thinking, http::AnthropicThinkingRule::ManualOnly);
  EXPECT_EQ(find_anthropic_rule("llama3"), nullptr);
}

// docs/backends.md shows the same tables: every prefix of the code's tables is in it.
TEST(HttpModelTable, DocsShowTheTable) {
  const std::string path = std::string(SCEVAL_SOURCE_DIR) + "/docs/backends.md";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "no " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const auto& r : http::openai_model_rules())
    EXPECT_NE(doc.find("| `" + std::string(r.prefix) + "` |"), std::string::npos) << r.prefix;
  for (const auto& r : http::anthropic_model_rules()) {
    std::string p(r.prefix);
    if (p.ends_with("-2")) p += "…";  // dated names: shown as a prefix
    EXPECT_NE(doc.find("`" + p + "`"), std::string::npos) << r.prefix;
  }
}

}  // namespace
}  // namespace sceval::llm
