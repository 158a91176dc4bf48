// The HTTP backends without a model: model specs, request bodies, response parsing, Retry-After,
// backoff, and the transport against a local scripted server (no llama-server needed).
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

// ---- model specs -----------------------------------------------------------------------------

TEST(HttpModelSpec, OpenAIWithBaseUrl) {
  auto s = parse_model_spec("openai:qwen2.5-7b-instruct@http://127.0.0.1:8080/v1/");
  EXPECT_EQ(s.provider, "openai");
  EXPECT_EQ(s.model, "qwen2.5-7b-instruct");
  EXPECT_EQ(s.base_url, "http://127.0.0.1:8080/v1");
  EXPECT_TRUE(s.settings.empty());
}

TEST(HttpModelSpec, ModelNamesWithColonsAndSlashes) {
  auto s = parse_model_spec("openai:llama3.1:8b@http://localhost:11434/v1");  // Ollama
  EXPECT_EQ(s.model, "llama3.1:8b");
  EXPECT_EQ(s.base_url, "http://localhost:11434/v1");
  s = parse_model_spec("openai:meta-llama/Llama-3.1-8B-Instruct@https://vllm.example.org/v1");
  EXPECT_EQ(s.model, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(s.base_url, "https://vllm.example.org/v1");
}

TEST(HttpModelSpec, DefaultsAndSettings) {
  auto s = parse_model_spec("anthropic:claude-3-5-haiku-20241022;concurrency=4;thinking=disabled");
  EXPECT_EQ(s.provider, "anthropic");
  EXPECT_EQ(s.model, "claude-3-5-haiku-20241022");
  EXPECT_EQ(s.base_url, "");
  ASSERT_EQ(s.settings.size(), 2u);
  auto o = anthropic_options(s);
  EXPECT_EQ(o.base_url, "https://api.anthropic.com");
  EXPECT_EQ(o.transport.concurrency, 4);
  EXPECT_EQ(o.thinking, AnthropicThinking::Disabled);

  auto oa = openai_options(parse_model_spec("openai:gpt-4o;max_attempts=3;timeout=30;backoff=0.5;api_key_env=MY_KEY"));
  EXPECT_EQ(oa.base_url, "https://api.openai.com/v1");
  EXPECT_EQ(oa.transport.retry.max_attempts, 3);
  EXPECT_DOUBLE_EQ(oa.transport.timeout_s, 30);
  EXPECT_DOUBLE_EQ(oa.transport.retry.initial_backoff_s, 0.5);
  EXPECT_EQ(oa.api_key_env, "MY_KEY");
  EXPECT_FALSE(oa.omit_temperature);

  auto th = anthropic_options(parse_model_spec("anthropic:claude-sonnet-4-20250514;thinking=2048"));
  EXPECT_EQ(th.thinking, AnthropicThinking::Enabled);
  EXPECT_EQ(th.thinking_budget, 2048);
}

TEST(HttpModelSpec, OSeriesOmitTemperature) {
  auto o = openai_options(parse_model_spec("openai:o3-2025-04-16"));
  EXPECT_TRUE(o.omit_temperature);
  EXPECT_TRUE(o.max_completion_tokens);
  o = openai_options(parse_model_spec("openai:o3-2025-04-16;omit_temperature=0"));
  EXPECT_FALSE(o.omit_temperature);
  EXPECT_TRUE(o.max_completion_tokens);
  o = openai_options(parse_model_spec("openai:gpt-4o;omit_temperature"));  // flag without value = true
  EXPECT_TRUE(o.omit_temperature);
  EXPECT_FALSE(o.max_completion_tokens);
  EXPECT_TRUE(is_openai_reasoning_model("o1-mini"));
  EXPECT_TRUE(is_openai_reasoning_model("o4-mini"));
  EXPECT_FALSE(is_openai_reasoning_model("gpt-4o"));
  EXPECT_FALSE(is_openai_reasoning_model("ollama"));
}

TEST(HttpModelSpec, ErrorsSayWhatIsWrong) {
  auto message = [](const std::string& spec) {
    try {
      auto s = parse_model_spec(spec);
      if (s.provider == "openai")
        openai_options(s);
      else
        anthropic_options(s);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("gguf:model.gguf").find("unknown provider"), std::string::npos);
  EXPECT_NE(message("openai:@http://x/v1").find("model name is empty"), std::string::npos);
  EXPECT_NE(message("openai:m@localhost:8080/v1").find("http://"), std::string::npos);
  EXPECT_NE(message("openai:m@http://h/v1;colour=red").find("unknown setting \"colour\""), std::string::npos);
  EXPECT_NE(message("openai:m@http://h/v1;concurrency=0").find("concurrency"), std::string::npos);
  EXPECT_NE(message("openai:m@http://h/v1;timeout=abc").find("seconds"), std::string::npos);
  EXPECT_NE(message("anthropic:c;thinking=lots").find("thinking"), std::string::npos);
  EXPECT_TRUE(is_http_model_spec("openai:x@http://h/v1"));
  EXPECT_TRUE(is_http_model_spec("anthropic:claude"));
  EXPECT_FALSE(is_http_model_spec("models/x.gguf"));
}

// ---- request bodies --------------------------------------------------------------------------

GenerationRequest request(Conversation c) {
  GenerationRequest r;
  r.messages = std::move(c);
  return r;
}

TEST(HttpOpenAIBody, PaperShape) {
  OpenAIOptions o;
  o.model = "gpt-4o";
  auto body = openai_request_body(request({{"user", "Is it above $50,000?"}}), o);
  // The paper's OpenAIClient: model, messages, temperature, max_tokens, seed.
  EXPECT_EQ(body.dump(),
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"Is it above $50,000?"}],"temperature":0.0,)"
            R"("max_tokens":1000,"seed":42})");
}

TEST(HttpOpenAIBody, OSeriesHasNoTemperature) {
  auto o = openai_options(parse_model_spec("openai:o3-2025-04-16"));
  auto r = request({{"user", "hi"}});
  r.sampling.top_p = 0.9;
  auto body = openai_request_body(r, o);
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_FALSE(body.contains("top_p"));
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body["max_completion_tokens"], 1000);
  EXPECT_EQ(body["seed"], 42);
}

TEST(HttpOpenAIBody, SchemaLogprobsGrammar) {
  OpenAIOptions o;
  o.model = "m";
  auto r = request({{"system", "S"}, {"user", "U"}});
  r.sampling.temperature = 0.7;
  r.sampling.top_p = 0.95;
  r.sampling.seed = 7;
  r.sampling.max_tokens = 64;
  r.sampling.json_schema = json{{"type", "object"}};
  r.sampling.top_logprobs = 5;
  auto body = openai_request_body(r, o);
  EXPECT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.95);
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["name"], "response");
  EXPECT_EQ(body["response_format"]["json_schema"]["strict"], true);
  EXPECT_EQ(json(body["response_format"]["json_schema"]["schema"]), json({{"type", "object"}}));
  EXPECT_EQ(body["logprobs"], true);
  EXPECT_EQ(body["top_logprobs"], 5);
  EXPECT_FALSE(body.contains("stop"));
  r.sampling.stop = {"\n", "}"};
  EXPECT_EQ(json(openai_request_body(r, o)["stop"]), json({"\n", "}"}));
  r.sampling.grammar = "root ::= \"a\"";
  EXPECT_THROW(openai_request_body(r, o), Error);  // grammar and schema together
  r.sampling.json_schema.reset();
  EXPECT_EQ(openai_request_body(r, o)["grammar"], "root ::= \"a\"");
}

TEST(HttpAnthropicBody, SystemGoesTopLevel) {
  AnthropicOptions o;
  o.model = "claude-3-5-haiku-20241022";
  auto r = request({{"system", "Be brief."}, {"user", "Q"}, {"assistant", "A"}, {"user", "Q2"}});
  r.sampling.max_tokens = 256;
  auto body = anthropic_request_body(r, o);
  EXPECT_EQ(body.dump(),
            R"({"model":"claude-3-5-haiku-20241022","max_tokens":256,"system":"Be brief.","messages":[)"
            R"({"role":"user","content":"Q"},{"role":"assistant","content":"A"},{"role":"user","content":"Q2"}],)"
            R"("temperature":0.0})");
  o.thinking = AnthropicThinking::Disabled;
  EXPECT_EQ(json(anthropic_request_body(r, o)["thinking"]), json({{"type", "disabled"}}));
  o.thinking = AnthropicThinking::Enabled;
  auto t = anthropic_request_body(r, o);
  EXPECT_EQ(json(t["thinking"]), json({{"type", "enabled"}, {"budget_tokens", 10000}}));
  EXPECT_FALSE(t.contains("temperature"));  // the API takes no temperature with extended thinking
}

TEST(HttpAnthropicBody, RefusesWhatTheApiCannotDo) {
  AnthropicOptions o;
  o.model = "c";
  auto r = request({{"user", "Q"}});
  r.sampling.json_schema = json::object();
  EXPECT_THROW(anthropic_request_body(r, o), Error);
  r = request({{"user", "Q"}});
  r.sampling.top_logprobs = 2;
  EXPECT_THROW(anthropic_request_body(r, o), Error);
  EXPECT_THROW(anthropic_request_body(request({{"user", "Q"}, {"system", "late"}}), o), Error);
  EXPECT_THROW(anthropic_request_body(request({{"system", "only"}}), o), Error);
  EXPECT_THROW(anthropic_request_body(request({{"tool", "x"}}), o), Error);
}

// ---- responses -------------------------------------------------------------------------------

TEST(HttpOpenAIResponse, ContentUsageLogprobs) {
  auto g = parse_openai_response(R"({"choices":[{"index":0,"finish_reason":"length",
      "message":{"role":"assistant","content":"yes it"},
      "logprobs":{"content":[{"token":"yes","logprob":-0.1,"top_logprobs":[{"token":"no","logprob":-2.5},{"token":"yes","logprob":-0.1}]},
                             {"token":" it","logprob":-1.0,"top_logprobs":[]}]}}],
      "usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}})");
  EXPECT_EQ(g.text, "yes it");
  EXPECT_EQ(g.finish, FinishReason::Length);
  EXPECT_EQ(g.prompt_tokens, 12);
  EXPECT_EQ(g.completion_tokens, 2);
  ASSERT_EQ(g.logprobs.size(), 2u);
  EXPECT_EQ(g.logprobs[0].token, "yes");
  ASSERT_EQ(g.logprobs[0].top.size(), 2u);
  EXPECT_EQ(g.logprobs[0].top[0].first, "yes");  // best first
  EXPECT_DOUBLE_EQ(g.logprobs[0].top[1].second, -2.5);
  g = parse_openai_response(
      R"({"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":null,"refusal":"no"}}]})");
  EXPECT_EQ(g.text, "");
  EXPECT_EQ(g.finish, FinishReason::Stop);
  EXPECT_THROW(parse_openai_response(R"({"choices":[{"message":{"content":"cut)"), Error);
  EXPECT_THROW(parse_openai_response(R"({"choices":[]})"), Error);
  EXPECT_THROW(parse_openai_response(R"({"error":{"message":"boom"}})"), Error);
}

TEST(HttpAnthropicResponse, ThinkingThenText) {
  auto g =
      parse_anthropic_response(R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
      "content":[{"type":"thinking","thinking":"Let me see.","signature":"EqQB"},
                 {"type":"redacted_thinking","data":"xyz"},
                 {"type":"text","text":"{\"answer\": \"yes\"}"}],
      "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":9}})");
  EXPECT_EQ(g.text, "Let me see.{\"answer\": \"yes\"}");  // the paper: thinking + content, no separator
  EXPECT_EQ(g.finish, FinishReason::Stop);
  EXPECT_EQ(g.prompt_tokens, 20);
  EXPECT_EQ(g.completion_tokens, 9);
  g = parse_anthropic_response(
      R"({"type":"message","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"stop_reason":"max_tokens"})");
  EXPECT_EQ(g.text, "ab");
  EXPECT_EQ(g.finish, FinishReason::Length);
  EXPECT_THROW(
      parse_anthropic_response(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"),
      Error);
  EXPECT_THROW(parse_anthropic_response(R"({"type":"message","content":[{"type":"text"}]})"), Error);
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

TEST(HttpOpenAIParse, ReasoningContentIsKeptApart) {
  auto g = parse_openai_response(R"({"choices":[{"finish_reason":"stop","message":{"role":"assistant",
      "content":"{\"answer\": \"yes\"}","reasoning_content":"The person is 45, so..."}}]})");
  EXPECT_EQ(g.text, "{\"answer\": \"yes\"}");
  EXPECT_EQ(g.reasoning, "The person is 45, so...");
}

TEST(HttpOpenAIParse, InvalidUtf8InABodyIsRepairedNotRetried) {
  // A server that cut a character in half: the bytes become U+FFFD, the rest of the reply stays.
  auto g = parse_openai_response(
      "{\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":\"caf\xc3 ok \xff\"}}]}");
  EXPECT_EQ(g.text, "caf\xEF\xBF\xBD ok \xEF\xBF\xBD");
  EXPECT_THROW(parse_openai_response("{\"choices\": \xff"), Error);  // still not JSON
}

TEST(HttpModelSpec, SecretsInUrlsAreHidden) {
  EXPECT_EQ(spec_without_secrets("openai:m@http://bob:hunter2@gpu1:8080/v1;concurrency=4"),
            "openai:m@http://***@gpu1:8080/v1;concurrency=4");
  EXPECT_EQ(spec_without_secrets("openai:a@b@http://u:p@x/v1,https://token@y/v1"),
            "openai:a@b@http://***@x/v1,https://***@y/v1");
  EXPECT_EQ(spec_without_secrets("openai:name@with@at@http://host/v1"), "openai:name@with@at@http://host/v1");
  EXPECT_EQ(spec_without_secrets("http://host/path@x"), "http://host/path@x");  // '@' in the path: not userinfo
  EXPECT_EQ(spec_without_secrets("gguf:/models/a@b.gguf"), "gguf:/models/a@b.gguf");
}

TEST(HttpRepairUtf8, ReplacesEachByteOfAnInvalidSequence) {
  EXPECT_EQ(http::repair_utf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(http::repair_utf8("a\xC3"), "a" + fffd);                            // cut at the end
  EXPECT_EQ(http::repair_utf8("\xC0\xAF"), fffd + fffd);                        // overlong
  EXPECT_EQ(http::repair_utf8("\xED\xA0\x80"), fffd + fffd + fffd);             // a surrogate
  EXPECT_EQ(http::repair_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
  EXPECT_EQ(http::repair_utf8("\xE2\x82x"), fffd + fffd + "x");
}

}  // namespace
}  // namespace sceval::llm
