// (b) The OpenAI-compatible backend through a fault-injecting proxy in front of a real llama-server:
// 429 with Retry-After (seconds and HTTP date), 500/502/503, dropped connections, a reply that
// never comes (past the timeout), truncated JSON, a body cut short. The schedule is deterministic
// per (request, attempt). Checked: every request that may recover does, with the text llama-server
// gives without faults; the waits honour Retry-After; requests past the attempt limit come back as
// FinishReason::Error saying why; nothing is lost, duplicated or reordered.
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "http/fault_proxy.h"
#include "http/server_fixture.h"
#include "llm/http/model_spec.h"

namespace sceval::llm {
namespace {

using sceval::testing::Fault;
using sceval::testing::FaultProxy;
using Clock = std::chrono::steady_clock;

constexpr int kMaxAttempts = 4;
constexpr double kTimeout = 5.0;  // per attempt; a request here takes well under a second

std::string prompt(int k) { return "Request " + std::to_string(k) + ": tell me a short story about the sea."; }

std::string http_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// What the proxy does with attempt `attempt` (1-based) of request k.
Fault schedule(int k, int attempt) {
  auto seq = [&](std::vector<Fault> faults) {
    return attempt <= static_cast<int>(faults.size()) ? faults[attempt - 1] : Fault::forward();
  };
  switch (k) {
    case 0:
      return seq({Fault::respond(429, R"({"error":{"message":"rate limited"}})", {{"Retry-After", "1"}})});
    case 1:
      return seq({Fault::respond(503), Fault::respond(500)});
    case 2:
      return seq({Fault::drop()});
    case 3:
      return seq({Fault::hang(30)});  // the client gives up after kTimeout
    case 4:
      return seq({Fault::truncated_json()});
    case 5:
      return seq({Fault::cut_connection()});
    case 6:
      return seq(
          {Fault::respond(429, R"({"error":{"message":"slow down"}})",
                          {{"Retry-After", http_date(std::chrono::system_clock::now() + std::chrono::seconds(2))}})});
    case 7:
      return seq({Fault::respond(502), Fault::drop(), Fault::respond(503)});  // recovers on the last allowed attempt
    case 8:
      return Fault::respond(503, R"({"error":{"message":"server overloaded, try later"}})");  // never recovers
    case 9:
      return Fault::respond(400, R"({"error":{"message":"bad request: no such model"}})");  // not retryable
    case 10:
      return Fault::drop();  // never recovers
    case 11:
      return Fault::truncated_json();  // never recovers
    default:
      return Fault::forward();
  }
}
constexpr int kRequests = 14;
const int kExpectedAttempts[kRequests] = {2, 3, 2, 2, 2, 2, 2, 4, 4, 1, 4, 4, 1, 1};

int key_index(const std::string& key) {
  for (int k = 0; k < kRequests; ++k)
    if (key == prompt(k)) return k;
  return -1;
}

OpenAIOptions proxied(const std::string& url, std::vector<http::AttemptEvent>* events) {
  OpenAIOptions o;
  o.model = "test-model";
  o.base_url = url + "/v1";
  o.api_key_env = "SCEVAL_TEST_UNSET_KEY";
  o.transport.concurrency = 4;
  o.transport.connect_timeout_s = 2;
  o.transport.timeout_s = kTimeout;
  o.transport.retry.max_attempts = kMaxAttempts;
  o.transport.retry.initial_backoff_s = 0.05;
  o.transport.retry.max_backoff_s = 0.4;
  o.transport.jitter_seed = 7;
  if (events) o.transport.on_attempt = [events](const http::AttemptEvent& e) { events->push_back(e); };
  return o;
}

std::vector<GenerationRequest> requests() {
  std::vector<GenerationRequest> reqs;
  for (int k = 0; k < kRequests; ++k) {
    GenerationRequest r;
    r.messages = {{"user", prompt(k)}};
    r.sampling.max_tokens = 8;
    reqs.push_back(r);
  }
  return reqs;
}

TEST(HttpFaults, RetriesRecoverEveryRequestThatCan) {
  SCEVAL_REQUIRE_LLAMA_SERVER(env);
  const auto reqs = requests();

  // Reference: the same requests straight to llama-server, one at a time.
  OpenAIBackend direct(proxied("http://127.0.0.1:" + std::to_string(env.server->port()), nullptr));
  std::vector<Generation> reference;
  for (const auto& r : reqs) {
    reference.push_back(direct.generate(std::span(&r, 1))[0]);
    ASSERT_NE(reference.back().finish, FinishReason::Error) << reference.back().error;
  }

  FaultProxy proxy(env.server->port(), [](const std::string& key, int attempt) {
    int k = key_index(key);
    return k < 0 ? Fault::respond(404) : schedule(k, attempt);
  });
  std::vector<http::AttemptEvent> events;
  OpenAIBackend b(proxied(proxy.url(), &events));
  auto t0 = Clock::now();
  auto out = b.generate(reqs);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // Nothing lost: one result per request, in order.
  ASSERT_EQ(out.size(), reqs.size());
  for (int k = 0; k < kRequests; ++k) {
    SCOPED_TRACE("request " + std::to_string(k));
    const auto tries = proxy.events(prompt(k));
    EXPECT_EQ(static_cast<int>(tries.size()), kExpectedAttempts[k]);
    int delivered = 0;  // complete 200 answers the proxy passed on
    for (const auto& e : tries) delivered += e.fault == Fault::Kind::Forward && e.upstream_status == 200;
    const bool recovers = k != 8 && k != 9 && k != 10 && k != 11;
    if (recovers) {
      ASSERT_NE(out[k].finish, FinishReason::Error) << out[k].error;
      EXPECT_EQ(delivered, 1);                    // not duplicated
      EXPECT_EQ(out[k].text, reference[k].text);  // the right answer, in the right place
      EXPECT_EQ(out[k].completion_tokens, reference[k].completion_tokens);
      // ... and the one the proxy delivered for this request
      auto bodies = proxy.upstream_bodies(prompt(k));
      ASSERT_FALSE(bodies.empty());
      EXPECT_EQ(parse_openai_response(bodies.back()).text, out[k].text);
    } else {
      EXPECT_EQ(out[k].finish, FinishReason::Error);
      EXPECT_EQ(delivered, 0);
      EXPECT_TRUE(out[k].text.empty());
    }
  }

  // The reasons.
  auto has = [](const Generation& g, const std::string& s) { return g.error.find(s) != std::string::npos; };
  EXPECT_TRUE(has(out[8], "HTTP 503")) << out[8].error;
  EXPECT_TRUE(has(out[8], "server overloaded, try later")) << out[8].error;
  EXPECT_TRUE(has(out[8], "after 4 attempts")) << out[8].error;
  EXPECT_TRUE(has(out[9], "HTTP 400")) << out[9].error;
  EXPECT_TRUE(has(out[9], "no such model")) << out[9].error;
  EXPECT_TRUE(has(out[9], "after 1 attempt")) << out[9].error;
  EXPECT_TRUE(has(out[10], "connection error")) << out[10].error;
  EXPECT_TRUE(has(out[10], "after 4 attempts")) << out[10].error;
  EXPECT_TRUE(has(out[11], "unusable body")) << out[11].error;
  EXPECT_TRUE(has(out[11], "after 4 attempts")) << out[11].error;

  // Retry-After: the next attempt came no sooner than the server asked.
  auto gap = [&](int k) {
    auto t = proxy.events(prompt(k));
    return std::chrono::duration<double>(t.at(1).received - t.at(0).received).count();
  };
  EXPECT_GE(gap(0), 1.0);  // Retry-After: 1
  EXPECT_GE(gap(6), 1.0);  // Retry-After: <HTTP date 2 s ahead, whole seconds>
  std::map<int, std::vector<http::AttemptEvent>> by_request;
  for (const auto& e : events) by_request[static_cast<int>(e.index)].push_back(e);
  ASSERT_TRUE(by_request[0][0].retry_after_s.has_value());
  EXPECT_EQ(*by_request[0][0].retry_after_s, 1.0);
  EXPECT_GE(by_request[0][0].delay_s, 1.0);
  ASSERT_TRUE(by_request[6][0].retry_after_s.has_value());
  EXPECT_GE(*by_request[6][0].retry_after_s, 1.0);
  EXPECT_LE(*by_request[6][0].retry_after_s, 2.0);
  EXPECT_GE(by_request[6][0].delay_s, *by_request[6][0].retry_after_s);
  // Without Retry-After the waits stay within the backoff cap.
  for (const auto& e : by_request[1]) {
    if (e.will_retry) {
      EXPECT_LE(e.delay_s, 0.4);
    }
  }
  // The hung attempt ended with the client's timeout, and was retried.
  EXPECT_NE(by_request[3][0].reason.find("timeout"), std::string::npos) << by_request[3][0].reason;
  EXPECT_TRUE(by_request[3][0].will_retry);
  EXPECT_GE(gap(3), kTimeout - 0.5);  // the client's clock started a little before the proxy's

  // The attempts the client counted are the requests the proxy saw (libcurl's own re-send of a
  // request whose reused connection closed without a reply counts too); never more than
  // `concurrency` requests at the proxy at once.
  int total = 0;
  for (int k = 0; k < kRequests; ++k) {
    total += kExpectedAttempts[k];
    ASSERT_FALSE(by_request[k].empty());
    EXPECT_EQ(by_request[k].back().attempt, kExpectedAttempts[k]) << "request " << k;
    EXPECT_EQ(by_request[k].back().ok, k != 8 && k != 9 && k != 10 && k != 11) << "request " << k;
    for (std::size_t a = 0; a + 1 < by_request[k].size(); ++a) EXPECT_TRUE(by_request[k][a].will_retry);
  }
  EXPECT_EQ(static_cast<int>(proxy.events().size()), total);
  EXPECT_LE(proxy.max_concurrent_requests(), 4);
  if (std::getenv("SCEVAL_HTTP_TRACE")) {
    for (const auto& e : proxy.events())
      std::cout << "  t=" << std::chrono::duration<double>(e.received - t0).count() << " key " << key_index(e.key)
                << " attempt " << e.attempt << " " << testing::to_string(e.fault) << "\n";
  }
  std::cout << "[ measured ] " << kRequests << " requests, " << total << " attempts in " << seconds
            << " s; Retry-After gaps: " << gap(0) << " s (asked 1 s), " << gap(6) << " s (HTTP date, asked "
            << *by_request[6][0].retry_after_s << " s); timeout gap " << gap(3) << " s; most requests at once "
            << proxy.max_concurrent_requests() << "\n";
}

TEST(HttpFaults, PassThroughKeepsOrderAndConcurrencyLimit) {
  SCEVAL_REQUIRE_LLAMA_SERVER(env);
  FaultProxy proxy(env.server->port(), [](const std::string&, int) { return Fault::forward(); });
  auto o = proxied(proxy.url(), nullptr);
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 16; ++i) {
    GenerationRequest r;
    r.messages = {{"user", "Pass-through " + std::to_string(i) + ": the moon."}};
    r.sampling.max_tokens = 4 + i % 5;
    reqs.push_back(r);
  }
  OpenAIBackend b(o);
  auto out = b.generate(reqs);
  ASSERT_EQ(out.size(), 16u);
  for (int i = 0; i < 16; ++i) {
    ASSERT_NE(out[i].finish, FinishReason::Error) << out[i].error;
    auto bodies = proxy.upstream_bodies(reqs[i].messages[0].content);
    ASSERT_EQ(bodies.size(), 1u) << i;
    EXPECT_EQ(parse_openai_response(bodies[0]).text, out[i].text) << i;
  }
  EXPECT_LE(proxy.max_concurrent_requests(), 4);
  EXPECT_GE(proxy.max_concurrent_requests(), 1);
  std::cout << "[ measured ] most requests at the proxy at once: " << proxy.max_concurrent_requests() << " (limit 4)\n";
}

}  // namespace
}  // namespace sceval::llm
