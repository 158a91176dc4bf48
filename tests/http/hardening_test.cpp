// The HTTP backends' input hardening: base URLs must be URLs, no credentials in the identity (the
// cache key), an API key echoed by a server is redacted from the reply, and the attempt classifier
// as a pure function (split out of Transport::post so its status and header rules are testable
// without a server).
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.h"
#include "http/test_server.h"
#include "llm/http/attempt.h"
#include "llm/http/backend_common.h"
#include "llm/http/model_spec.h"

namespace sceval::llm {
namespace {

using sceval::testing::ServerReply;
using sceval::testing::ServerRequest;
using sceval::testing::TestServer;
using Facts = http::AttemptFacts;

std::string spec_error(const std::string& spec) {
  try {
    parse_model_spec(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(HttpHardening, ABaseUrlMustBeAUrl) {
  EXPECT_TRUE(has(spec_error("openai:m@notaurl"), "\"notaurl\" after '@' is not a base URL"))
      << spec_error("openai:m@notaurl");
  EXPECT_TRUE(has(spec_error("openai:m@http://"), "not a base URL"));
  EXPECT_TRUE(has(spec_error("openai:m@http://host:99999/v1"), "port \"99999\""));
  EXPECT_TRUE(has(spec_error("openai:m@http://host:/v1"), "empty port"));
  EXPECT_TRUE(has(spec_error("openai:m@http://:8080/v1"), "host is empty"));
  EXPECT_TRUE(has(spec_error("openai:m@http://ho st/v1"), "white space"));
  EXPECT_TRUE(has(spec_error("openai:m@http://u:pw@h:x/v1"), "port \"x\""));
  EXPECT_FALSE(has(spec_error("openai:m@http://u:secretpw@h:x/v1"), "secretpw"));  // messages hide credentials
  EXPECT_EQ(spec_error("openai:gpt-4o"), "(accepted)");                            // the default endpoint: no '@' part
  EXPECT_EQ(spec_error("openai:m@http://[::1]:8080/v1"), "(accepted)");
  EXPECT_EQ(spec_error("openai:m@https://user:pw@example.org/v1"), "(accepted)");
}

TEST(HttpHardening, IdentityHasNoCredentials) {
  OpenAIOptions o;
  o.model = "m";
  o.base_url = "http://alice:hunter2secret@127.0.0.1:9/v1";
  OpenAIBackend b(o);
  EXPECT_EQ(b.identity(), "openai:m@http://***@127.0.0.1:9/v1");
  AnthropicOptions a;
  a.model = "c";
  a.base_url = "http://alice:hunter2secret@127.0.0.1:9";
  a.api_key_env = "SCEVAL_TEST_UNSET_KEY";
  EXPECT_FALSE(has(AnthropicBackend(a).identity(), "hunter2"));
}

TEST(HttpHardening, AnEchoedKeyIsRedactedFromTheReply) {
  const std::string key = "sk-test-0123456789abcdef";
  ::setenv("SCEVAL_TEST_ECHO_KEY", key.c_str(), 1);
  TestServer server([](const ServerRequest& r) {
    std::string auth;
    for (const auto& [k, v] : r.headers)
      if (k == "authorization" || k == "Authorization") auth = v;
    const nlohmann::json body = {{"choices",
                                  {{{"index", 0},
                                    {"finish_reason", "stop"},
                                    {"message", {{"role", "assistant"}, {"content", "you sent " + auth}}}}}}};
    return ServerReply::json(200, body.dump());
  });
  OpenAIOptions o;
  o.model = "m";
  o.base_url = server.url() + "/v1";
  o.api_key_env = "SCEVAL_TEST_ECHO_KEY";
  OpenAIBackend b(o);
  GenerationRequest r;
  r.messages = {{"user", "hi"}};
  auto out = b.generate(std::vector<GenerationRequest>{r});
  ::unsetenv("SCEVAL_TEST_ECHO_KEY");
  ASSERT_EQ(out[0].finish, FinishReason::Stop) << out[0].error;
  EXPECT_EQ(out[0].text, "you sent Bearer ***");
}

// ---- classify_attempt, hand-worked cases ----

TEST(HttpAttempt, SuccessAndUnusableBodies) {
  Facts f;
  f.status = 200;
  EXPECT_TRUE(http::classify_attempt(f, 0).ok);  // no check ran
  f.body_problem = "";
  EXPECT_TRUE(http::classify_attempt(f, 0).ok);
  f.should_retry = "false";
  EXPECT_TRUE(http::classify_attempt(f, 0).ok);  // a usable answer stays one
  f.should_retry.clear();
  f.body_problem = "truncated JSON";
  f.body = "{\"choi";
  auto v = http::classify_attempt(f, 0);
  EXPECT_FALSE(v.ok);
  EXPECT_TRUE(v.retryable);
  EXPECT_EQ(v.why, "HTTP 200 with an unusable body (truncated JSON): {\"choi");
}

TEST(HttpAttempt, StatusRulesAndHeaders) {
  Facts f;
  f.status = 429;
  f.body = "slow down";
  f.retry_after = "7";
  auto v = http::classify_attempt(f, 0);
  EXPECT_TRUE(v.retryable);
  EXPECT_EQ(v.why, "HTTP 429: slow down");
  EXPECT_EQ(v.retry_after_s, 7.0);
  f.retry_after_ms = "1500";  // wins over retry-after
  EXPECT_EQ(http::classify_attempt(f, 0).retry_after_s, 1.5);
  f = Facts{};
  f.status = 400;
  EXPECT_FALSE(http::classify_attempt(f, 0).retryable);
  f.should_retry = "true";
  EXPECT_TRUE(http::classify_attempt(f, 0).retryable);
  f.status = 503;
  f.should_retry = "false";
  EXPECT_FALSE(http::classify_attempt(f, 0).retryable);
}

TEST(HttpAttempt, TransferFailures) {
  Facts f;
  f.transfer = Facts::Transfer::CannotConnect;
  f.transfer_retryable = true;
  f.transfer_error = "Connection refused";
  auto v = http::classify_attempt(f, 0);
  EXPECT_EQ(v.why, "connection error: Connection refused");
  EXPECT_TRUE(v.retryable);
  f.transfer = Facts::Transfer::Timeout;
  EXPECT_EQ(http::classify_attempt(f, 0).why, "timeout: Connection refused");
  f.transfer = Facts::Transfer::Failed;
  f.status = 200;
  f.transfer_error = "transfer closed";
  EXPECT_EQ(http::classify_attempt(f, 0).why, "HTTP 200 response cut short: transfer closed");
  f.too_large = true;
  f.max_response_bytes = 10;
  v = http::classify_attempt(f, 0);
  EXPECT_EQ(v.why, "response larger than 10 bytes");
  EXPECT_FALSE(v.retryable);
  f.too_large = false;
  f.closed_without_reply = true;
  EXPECT_EQ(http::classify_attempt(f, 0).why, "connection error: the server closed the connection without a reply");
}

}  // namespace
}  // namespace sceval::llm
