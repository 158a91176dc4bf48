// (c) The Anthropic backend against a local replay server that answers in the Messages API's
// documented wire format (https://docs.anthropic.com/en/api/messages, /en/api/errors): a message
// with "thinking" and "text" content blocks, usage and stop_reason; errors as
// {"type": "error", "error": {"type": "overloaded_error", ...}} with HTTP 529. No real Anthropic
// server runs here, so this replay is the only fake; it also checks the request it received.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "http/provider_rules.h"
#include "http/test_server.h"
#include "llm/http/model_spec.h"

namespace sceval::llm {
namespace {

using nlohmann::json;
using sceval::testing::ServerReply;
using sceval::testing::ServerRequest;
using sceval::testing::TestServer;

constexpr const char* kKeyVar = "SCEVAL_TEST_ANTHROPIC_KEY";
constexpr const char* kKey = "sk-ant-test-0123456789";

std::string message_json(const json& content, const std::string& stop_reason, int in, int out) {
  return json{{"id", "msg_01XFDUDYJgAACzvnptvVoYEL"},
              {"type", "message"},
              {"role", "assistant"},
              {"model", "claude-sonnet-4-20250514"},
              {"content", content},
              {"stop_reason", stop_reason},
              {"stop_sequence", nullptr},
              {"usage", {{"input_tokens", in}, {"output_tokens", out}}}}
      .dump();
}

std::string error_json(const std::string& type, const std::string& message) {
  return json{{"type", "error"},
              {"error", {{"type", type}, {"message", message}}},
              {"request_id", "req_011CSHoEeqs5C35K2UUqR7Fy"}}
      .dump();
}

// Replies by the last user message: a fixed script per conversation and attempt.
struct Replay {
  std::mutex mutex;
  std::vector<ServerRequest> received;
  std::map<std::string, int> attempts;

  ServerReply operator()(const ServerRequest& r) {
    std::string last;
    int attempt;
    {
      std::lock_guard lock(mutex);
      received.push_back(r);
      last = json::parse(r.body)["messages"].back()["content"].get<std::string>();
      attempt = ++attempts[last];
    }
    if (r.method != "POST" || r.target != "/v1/messages")
      return ServerReply::json(404, error_json("not_found_error", "Not found: " + r.target));
    if (auto refused = sceval::testing::anthropic_refusal(json::parse(r.body)))
      return ServerReply::json(400, error_json("invalid_request_error", *refused));
    if (last == "overloaded once") {
      if (attempt == 1) return ServerReply::json(529, error_json("overloaded_error", "Overloaded"));
      return ServerReply::json(
          200, message_json(json::array({{{"type", "thinking"},
                                          {"thinking", "The income is high, so above."},
                                          {"signature", "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}},
                                         {{"type", "text"}, {"text", "{\"answer\": \"Above $50,000\"}"}}}),
                            "end_turn", 41, 27));
    }
    if (last == "rate limited once") {
      if (attempt == 1)
        return ServerReply::json(
            429, error_json("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
            {{"retry-after", "1"}});
      return ServerReply::json(200,
                               message_json(json::array({{{"type", "text"}, {"text", "Below"}}}), "max_tokens", 12, 5));
    }
    if (last == "always overloaded") return ServerReply::json(529, error_json("overloaded_error", "Overloaded"));
    if (last == "invalid")
      return ServerReply::json(400, error_json("invalid_request_error", "max_tokens: Field required"));
    return ServerReply::json(200, message_json(json::array({{{"type", "text"}, {"text", "ok"}}}), "end_turn", 5, 1));
  }
};

AnthropicOptions options(const std::string& url) {
  AnthropicOptions o;
  o.model = "claude-sonnet-4-20250514";
  o.base_url = url;
  o.api_key_env = kKeyVar;
  o.thinking = AnthropicThinking::Disabled;  // what the paper sent its reasoning models
  o.transport.concurrency = 2;
  o.transport.timeout_s = 10;
  o.transport.retry.max_attempts = 3;
  o.transport.retry.initial_backoff_s = 0.02;
  o.transport.retry.max_backoff_s = 0.1;
  o.transport.jitter_seed = 3;
  return o;
}

GenerationRequest conversation(const std::string& last, int max_tokens = 1000) {
  GenerationRequest r;
  r.messages = {{"system", "You are a helpful assistant."},
                {"user", "What is this person's income? Age 45."},
                {"assistant", "{\"answer\": \"Below $50,000\"}"},
                {"user", last}};
  r.sampling.max_tokens = max_tokens;
  return r;
}

class HttpAnthropic : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv(kKeyVar, kKey, 1); }
  void TearDown() override { ::unsetenv(kKeyVar); }
};

TEST_F(HttpAnthropic, ThinkingThenTextAfterAnOverload) {
  Replay replay;
  TestServer server(std::ref(replay));
  std::vector<http::AttemptEvent> events;
  auto o = options(server.url());
  o.transport.on_attempt = [&](const http::AttemptEvent& e) { events.push_back(e); };
  AnthropicBackend b(o);
  EXPECT_EQ(b.identity(), "anthropic:claude-sonnet-4-20250514@" + server.url() + ";thinking=disabled");
  EXPECT_EQ(b.identity().find(kKey), std::string::npos);

  auto out = b.generate(std::vector<GenerationRequest>{conversation("overloaded once")});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].finish, FinishReason::Stop) << out[0].error;
  // The paper's AnthropicClient: thinking text + text content, nothing between.
  EXPECT_EQ(out[0].text, "The income is high, so above.{\"answer\": \"Above $50,000\"}");
  EXPECT_EQ(out[0].prompt_tokens, 41);
  EXPECT_EQ(out[0].completion_tokens, 27);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].status, 529);
  EXPECT_TRUE(events[0].will_retry);
  EXPECT_NE(events[0].reason.find("overloaded_error"), std::string::npos);
  EXPECT_TRUE(events[1].ok);

  // The request as the Messages API documents it.
  ASSERT_EQ(replay.received.size(), 2u);
  for (const auto& r : replay.received) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/v1/messages");
    EXPECT_EQ(r.headers.at("x-api-key"), kKey);
    EXPECT_EQ(r.headers.at("anthropic-version"), "2023-06-01");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_EQ(r.headers.count("authorization"), 0u);
  }
  EXPECT_EQ(replay.received[0].body, replay.received[1].body);  // a retry resends the same request
  const json body = json::parse(replay.received[0].body);
  EXPECT_EQ(body["model"], "claude-sonnet-4-20250514");
  EXPECT_EQ(body["max_tokens"], 1000);
  EXPECT_EQ(body["system"], "You are a helpful assistant.");
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_EQ(body["thinking"], json({{"type", "disabled"}}));
  EXPECT_FALSE(body.contains("seed"));  // the Messages API has none
  const json expected_messages = json::array({{{"role", "user"}, {"content", "What is this person's income? Age 45."}},
                                              {{"role", "assistant"}, {"content", "{\"answer\": \"Below $50,000\"}"}},
                                              {{"role", "user"}, {"content", "overloaded once"}}});
  EXPECT_EQ(body["messages"], expected_messages);
}

TEST_F(HttpAnthropic, BatchWithRateLimitsOverloadsAndBadRequests) {
  Replay replay;
  TestServer server(std::ref(replay));
  std::vector<http::AttemptEvent> events;
  auto o = options(server.url());
  o.transport.on_attempt = [&](const http::AttemptEvent& e) { events.push_back(e); };
  AnthropicBackend b(o);
  auto schema = conversation("schema");
  schema.sampling.json_schema = json{{"type", "object"}};
  std::vector<GenerationRequest> reqs{conversation("rate limited once", 5), conversation("always overloaded"),
                                      conversation("invalid"), schema, conversation("plain")};
  auto out = b.generate(reqs);
  ASSERT_EQ(out.size(), 5u);

  EXPECT_EQ(out[0].finish, FinishReason::Length) << out[0].error;  // stop_reason max_tokens
  EXPECT_EQ(out[0].text, "Below");
  EXPECT_EQ(out[1].finish, FinishReason::Error);
  EXPECT_NE(out[1].error.find("HTTP 529"), std::string::npos) << out[1].error;
  EXPECT_NE(out[1].error.find("overloaded_error"), std::string::npos) << out[1].error;
  EXPECT_NE(out[1].error.find("after 3 attempts"), std::string::npos) << out[1].error;
  EXPECT_EQ(out[2].finish, FinishReason::Error);
  EXPECT_NE(out[2].error.find("HTTP 400"), std::string::npos) << out[2].error;
  EXPECT_NE(out[2].error.find("invalid_request_error"), std::string::npos) << out[2].error;
  EXPECT_NE(out[2].error.find("after 1 attempt"), std::string::npos) << out[2].error;
  EXPECT_EQ(out[3].finish, FinishReason::Error);
  EXPECT_NE(out[3].error.find("not sent"), std::string::npos) << out[3].error;
  EXPECT_EQ(out[4].finish, FinishReason::Stop);
  EXPECT_EQ(out[4].text, "ok");
  for (const auto& g : out) EXPECT_EQ(g.error.find(kKey), std::string::npos);

  std::map<std::string, int> attempts = replay.attempts;
  EXPECT_EQ(attempts["rate limited once"], 2);
  EXPECT_EQ(attempts["always overloaded"], 3);
  EXPECT_EQ(attempts["invalid"], 1);
  EXPECT_EQ(attempts.count("schema"), 0u);
  EXPECT_EQ(attempts["plain"], 1);
  bool saw_retry_after = false;
  for (const auto& e : events) {
    if (e.index == 0 && e.status == 429) {
      saw_retry_after = true;
      ASSERT_TRUE(e.retry_after_s.has_value());
      EXPECT_EQ(*e.retry_after_s, 1.0);
      EXPECT_GE(e.delay_s, 1.0);
    }
  }
  EXPECT_TRUE(saw_retry_after);
}

TEST_F(HttpAnthropic, ExtendedThinkingRequest) {
  Replay replay;
  TestServer server(std::ref(replay));
  auto spec = parse_model_spec("anthropic:claude-sonnet-4-20250514@" + server.url() +
                               ";thinking=10000;api_key_env=" + kKeyVar + ";max_attempts=2");
  auto b = make_http_backend(spec);
  EXPECT_EQ(b->identity(),
            "anthropic:claude-sonnet-4-20250514@" + server.url() + ";thinking=10000;max_tokens=10000+answer");
  GenerationRequest r;
  r.messages = {{"user", "plain"}};
  r.sampling.max_tokens = 16000;
  auto out = b->generate(std::vector<GenerationRequest>{r});
  ASSERT_EQ(out[0].finish, FinishReason::Stop) << out[0].error;
  const json body = json::parse(replay.received.at(0).body);
  EXPECT_EQ(body["thinking"], json({{"type", "enabled"}, {"budget_tokens", 10000}}));
  EXPECT_FALSE(body.contains("system"));
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_EQ(body["max_tokens"], 26000);  // the budget, then the answer's share
}

}  // namespace
}  // namespace sceval::llm
