// The HTTP transport without a model: Retry-After, backoff, the retry rules, and requests against a
// local scripted server (no llama-server needed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "http/test_server.h"
#include "llm/http/backend_common.h"
#include "llm/http/model_spec.h"

namespace sceval::llm {
namespace {

using nlohmann::json;
using sceval::testing::ServerReply;
using sceval::testing::ServerRequest;
using sceval::testing::TestServer;

GenerationRequest request(Conversation c) {
  GenerationRequest r;
  r.messages = std::move(c);
  return r;
}

// ---- retry policy ----------------------------------------------------------------------------

TEST(HttpRetry, RetryAfterSecondsAndDates) {
  const std::time_t now = 1'750'000'000;  // 2025-06-15T15:06:40Z
  EXPECT_EQ(http::parse_retry_after("3", now), 3.0);
  EXPECT_EQ(http::parse_retry_after(" 0.5 ", now), 0.5);
  EXPECT_EQ(http::parse_retry_after("Sun, 15 Jun 2025 15:06:50 GMT", now), 10.0);   // IMF-fixdate
  EXPECT_EQ(http::parse_retry_after("Sunday, 15-Jun-25 15:07:40 GMT", now), 60.0);  // RFC 850
  EXPECT_EQ(http::parse_retry_after("Sun Jun 15 15:06:41 2025", now), 1.0);         // asctime
  EXPECT_EQ(http::parse_retry_after("Sun, 15 Jun 2025 15:00:00 GMT", now), 0.0);    // past: now
  EXPECT_FALSE(http::parse_retry_after("soon", now));
  EXPECT_FALSE(http::parse_retry_after("", now));
  EXPECT_FALSE(http::parse_retry_after("-1", now));
}

TEST(HttpRetry, FullJitterBackoff) {
  http::RetryPolicy p;
  p.initial_backoff_s = 1;
  p.max_backoff_s = 10;
  p.max_retry_after_s = 30;
  EXPECT_DOUBLE_EQ(http::backoff_delay(1, p, std::nullopt, 0.999999), 0.999999);  // U(0, 1)
  EXPECT_DOUBLE_EQ(http::backoff_delay(3, p, std::nullopt, 0.5), 2.0);            // U(0, 4)
  EXPECT_DOUBLE_EQ(http::backoff_delay(10, p, std::nullopt, 0.5), 5.0);           // capped: U(0, 10)
  EXPECT_DOUBLE_EQ(http::backoff_delay(1, p, std::nullopt, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(http::backoff_delay(1, p, 7.0, 0.5), 7.0);              // at least Retry-After
  EXPECT_DOUBLE_EQ(http::backoff_delay(5, p, 1.0, 0.5), 5.0);              // ... or the jitter, if longer: U(0, 10)
  EXPECT_DOUBLE_EQ(http::backoff_delay(1, p, 3600.0, 0.1), 30.0);          // Retry-After capped
  EXPECT_DOUBLE_EQ(http::backoff_delay(200, p, std::nullopt, 1.0), 10.0);  // no overflow
}

TEST(HttpRetry, StatusRules) {
  for (long s : {408L, 409L, 429L, 500L, 502L, 503L, 504L, 529L}) EXPECT_TRUE(http::is_retryable_status(s)) << s;
  for (long s : {200L, 400L, 401L, 403L, 404L, 413L, 422L}) EXPECT_FALSE(http::is_retryable_status(s)) << s;
}

TEST(HttpRetry, Excerpt) {
  EXPECT_EQ(http::excerpt("{\n  \"error\": 1\n}"), "{ \"error\": 1 }");
  EXPECT_EQ(http::excerpt(std::string(400, 'x'), 10), "xxxxxxxxxx...");
  EXPECT_EQ(http::excerpt("ab\xc3\xa9"
                          "cd",
                          3),
            "ab...");  // é is not split
}

// ---- the transport against a scripted local server -------------------------------------------

http::TransportOptions fast_transport(int max_attempts = 3) {
  http::TransportOptions t;
  t.concurrency = 2;
  t.connect_timeout_s = 2;
  t.timeout_s = 5;
  t.retry.max_attempts = max_attempts;
  t.retry.initial_backoff_s = 0.01;
  t.retry.max_backoff_s = 0.05;
  t.jitter_seed = 1;
  return t;
}

constexpr const char* kCompletion =
    R"({"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"fine"}}],)"
    R"("usage":{"prompt_tokens":3,"completion_tokens":1}})";

// Nothing ever listened at the URL: the call fails fast (after a second failed connect) with the URL
// and a hint, instead of retrying every request for minutes against a server that was never started.
TEST(HttpTransport, ConnectionRefusedFromTheStartFailsFast) {
  int port;
  {
    TestServer gone([](const ServerRequest&) { return ServerReply::json(200, "{}"); });
    port = gone.port();
  }
  OpenAIOptions o;
  o.model = "m";
  o.base_url = "http://user:secret@127.0.0.1:" + std::to_string(port) + "/v1";
  o.transport = fast_transport(8);
  std::vector<http::AttemptEvent> events;
  o.transport.on_attempt = [&](const http::AttemptEvent& e) { events.push_back(e); };
  OpenAIBackend b(o);
  try {
    b.generate(std::vector<GenerationRequest>{request({{"user", "hi"}}), request({{"user", "ho"}})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot connect to http://***@127.0.0.1:" + std::to_string(port)), std::string::npos) << msg;
    EXPECT_NE(msg.find("is the server running"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("secret"), std::string::npos) << msg;
  }
  ASSERT_LE(events.size(), 4u);  // two requests, at most two attempts each
  EXPECT_FALSE(events.back().will_retry);
}

// A server that answered once and then went away is retried as before: the failure is one
// request's outcome after max_attempts, not an error for the whole call.
TEST(HttpTransport, ConnectionRefusedAfterAnAnswerIsRetried) {
  auto server = std::make_unique<TestServer>([](const ServerRequest&) { return ServerReply::json(200, kCompletion); });
  OpenAIOptions o;
  o.model = "m";
  o.base_url = "http://127.0.0.1:" + std::to_string(server->port()) + "/v1";
  o.transport = fast_transport(3);
  std::vector<http::AttemptEvent> events;
  o.transport.on_attempt = [&](const http::AttemptEvent& e) { events.push_back(e); };
  OpenAIBackend b(o);
  auto first = b.generate(std::vector<GenerationRequest>{request({{"user", "hi"}})});
  ASSERT_EQ(first[0].finish, FinishReason::Stop);
  server.reset();
  events.clear();
  auto out = b.generate(std::vector<GenerationRequest>{request({{"user", "hi"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].finish, FinishReason::Error);
  EXPECT_NE(out[0].error.find("connection error"), std::string::npos) << out[0].error;
  EXPECT_NE(out[0].error.find("after 3 attempts"), std::string::npos) << out[0].error;
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].will_retry);
  EXPECT_FALSE(events[2].will_retry);
}

TEST(HttpTransport, ShouldRetryHeaderOverridesStatus) {
  std::atomic<int> calls{0};
  TestServer server([&](const ServerRequest& r) {
    ++calls;
    auto content = json::parse(r.body)["messages"][0]["content"].get<std::string>();
    if (content == "400 but retry" && calls <= 2) return ServerReply::json(400, "{}", {{"x-should-retry", "true"}});
    if (content == "503 but stop") return ServerReply::json(503, "{}", {{"x-should-retry", "false"}});
    return ServerReply::json(200, kCompletion);
  });
  OpenAIOptions o;
  o.model = "m";
  o.base_url = server.url() + "/v1";
  o.transport = fast_transport(3);
  o.transport.concurrency = 1;
  OpenAIBackend b(o);
  auto out = b.generate(
      std::vector<GenerationRequest>{request({{"user", "400 but retry"}}), request({{"user", "503 but stop"}})});
  EXPECT_EQ(out[0].finish, FinishReason::Stop) << out[0].error;
  EXPECT_EQ(out[0].text, "fine");
  EXPECT_EQ(out[1].finish, FinishReason::Error);
  EXPECT_NE(out[1].error.find("HTTP 503"), std::string::npos);
  EXPECT_NE(out[1].error.find("after 1 attempt"), std::string::npos) << out[1].error;
}

TEST(HttpTransport, ApiKeyIsSentButNeverShown) {
  ::setenv("SCEVAL_TEST_OPENAI_KEY", "sk-test-SECRET-1234", 1);
  std::string auth;
  TestServer server([&](const ServerRequest& r) {
    auth = r.headers.count("authorization") ? r.headers.at("authorization") : "";
    return ServerReply::json(401, R"({"error":{"message":"Incorrect API key provided: sk-test-SECRET-1234"}})");
  });
  OpenAIOptions o;
  o.model = "m";
  o.base_url = server.url() + "/v1";
  o.api_key_env = "SCEVAL_TEST_OPENAI_KEY";
  o.transport = fast_transport(3);
  OpenAIBackend b(o);
  EXPECT_EQ(b.identity(), "openai:m@" + server.url() + "/v1");
  auto out = b.generate(std::vector<GenerationRequest>{request({{"user", "hi"}})});
  EXPECT_EQ(auth, "Bearer sk-test-SECRET-1234");
  EXPECT_EQ(out[0].finish, FinishReason::Error);
  EXPECT_NE(out[0].error.find("HTTP 401"), std::string::npos);
  EXPECT_NE(out[0].error.find("after 1 attempt"), std::string::npos);
  EXPECT_EQ(out[0].error.find("SECRET"), std::string::npos) << out[0].error;
  ::unsetenv("SCEVAL_TEST_OPENAI_KEY");
}

TEST(HttpTransport, HostedApisNeedAKey) {
  ::unsetenv("SCEVAL_TEST_NO_SUCH_KEY");
  EXPECT_THROW(make_http_backend("openai:gpt-4o;api_key_env=SCEVAL_TEST_NO_SUCH_KEY"), Error);
  EXPECT_THROW(make_http_backend("anthropic:claude-3-haiku-20240307;api_key_env=SCEVAL_TEST_NO_SUCH_KEY"), Error);
  // A local server needs none.
  EXPECT_NO_THROW(make_http_backend("openai:m@http://127.0.0.1:9/v1;api_key_env=SCEVAL_TEST_NO_SUCH_KEY"));
}

TEST(HttpTransport, BadRequestsFailAloneWithoutBeingSent) {
  std::atomic<int> calls{0};
  TestServer server([&](const ServerRequest&) {
    ++calls;
    return ServerReply::json(200, kCompletion);
  });
  OpenAIOptions o;
  o.model = "m";
  o.base_url = server.url() + "/v1";
  o.transport = fast_transport();
  OpenAIBackend b(o);
  std::vector<GenerationRequest> reqs{request({{"user", "a"}}), request({}), request({{"user", "bad \xff utf-8"}}),
                                      request({{"user", "b"}})};
  auto out = b.generate(reqs);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].text, "fine");
  EXPECT_EQ(out[1].finish, FinishReason::Error);
  EXPECT_NE(out[1].error.find("not sent"), std::string::npos);
  EXPECT_EQ(out[2].finish, FinishReason::Error);
  EXPECT_EQ(out[3].text, "fine");
  EXPECT_EQ(calls.load(), 2);
  EXPECT_TRUE(b.generate({}).empty());
}

}  // namespace
}  // namespace sceval::llm
