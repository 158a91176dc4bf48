// The batch backend (batch=1) against a local replay of OpenAI's Batch API and Anthropic's Message
// Batches API (tests/http/batch_replay.h: the documented wire formats, status transitions, output
// and error files in any order, a partly failed and an expired batch), a SIGKILL while polling
// (the rerun submits nothing new), and equality with the direct path (same answers, same cache keys).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "http/batch_replay.h"
#include "http/batch_replay_test.h"
#include "http/llama_server.h"
#include "llm/cache/batch_store.h"
#include "llm/cache/caching_backend.h"
#include "llm/http/batch_backend.h"
#include "llm/http/model_spec.h"
#include "llm/server_process.h"

#ifndef SCEVAL_CLI
#define SCEVAL_CLI ""
#endif

namespace sceval::llm {
namespace {

using nlohmann::json;
using sceval::testing::BatchReplay;
using sceval::testing::TestServer;

constexpr const char* kKeyVar = "SCEVAL_TEST_BATCH_KEY";
constexpr const char* kKey = "sk-batch-test-0123456789";

GenerationRequest ask(const std::string& text) {
  GenerationRequest r;
  r.messages = {{"system", "You are a helpful assistant."}, {"user", text}};
  r.sampling.max_tokens = 50;
  return r;
}

std::vector<GenerationRequest> asks(const std::vector<std::string>& texts) {
  std::vector<GenerationRequest> out;
  for (const auto& t : texts) out.push_back(ask(t));
  return out;
}

struct Fixture : sceval::testing::BatchReplayTest {
  Fixture() : BatchReplayTest(kKeyVar, kKey, "sceval-batch-") {}
  std::vector<BatchEvent> events;

  std::unique_ptr<Backend> make(const std::string& s) {
    auto b = make_http_backend(s);
    auto* bb = dynamic_cast<BatchBackend*>(b.get());
    EXPECT_NE(bb, nullptr);
    if (bb) bb->options().on_event = [this](const BatchEvent& e) { events.push_back(e); };
    return b;
  }
  std::vector<std::string> states() const {
    std::vector<std::string> s;
    for (const auto& e : events)
      if (e.kind == BatchEvent::Kind::State) s.push_back(e.state);
    return s;
  }
};

using HttpBatch = Fixture;

CachingOptions caching(const std::string& path) {
  CachingOptions o;
  o.path = path;
  return o;
}

TEST_F(HttpBatch, SpecSettings) {
  auto s = parse_model_spec("openai:gpt-4.1@https://api.openai.com/v1;batch=1;batch_poll=0.5;batch_max_requests=10");
  auto o = batch_options(s);
  EXPECT_TRUE(o.enabled);
  EXPECT_DOUBLE_EQ(o.poll_s, 0.5);
  EXPECT_EQ(o.max_requests, 10u);
  EXPECT_EQ(o.max_attempts, 3);
  EXPECT_FALSE(batch_options(parse_model_spec("openai:m@http://x/v1")).enabled);
  EXPECT_THROW(batch_options(parse_model_spec("openai:m@http://x/v1;batch=maybe")), Error);
  EXPECT_THROW(batch_options(parse_model_spec("openai:m@http://x/v1;batch_poll=0")), Error);
  EXPECT_THROW(batch_options(parse_model_spec("anthropic:m;batch_attempts=0")), Error);
  // The provider readers accept the batch settings (and still reject unknown ones).
  EXPECT_NO_THROW(openai_options(s));
  EXPECT_THROW(openai_options(parse_model_spec("openai:m@http://x/v1;batchh=1")), Error);
  // Several base URLs cannot share one batch.
  EXPECT_THROW(make_http_backend(spec("openai") + "," + server->url() + "/v2"), Error);
}

TEST_F(HttpBatch, OpenAIWireFormatPartlyFailedBatch) {
  auto b = make(spec("openai"));
  EXPECT_TRUE(b->wants_whole_stage());
  const auto reqs = asks({"first", "this one is invalid", "second", "flaky one", "first"});
  std::vector<std::size_t> called;
  auto out = b->generate_each(reqs, [&](std::size_t i, const Generation&) { called.push_back(i); });
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].text, "answer to: first");
  EXPECT_EQ(out[0].prompt_tokens, 5);
  EXPECT_EQ(out[0].completion_tokens, 4);
  EXPECT_EQ(out[2].text, "answer to: second");
  EXPECT_EQ(out[4].text, "answer to: first");  // a duplicate is asked once, answered twice
  EXPECT_EQ(out[1].finish, FinishReason::Error);
  EXPECT_NE(out[1].error.find("HTTP 400"), std::string::npos) << out[1].error;
  EXPECT_NE(out[1].error.find("after 1 submission"), std::string::npos) << out[1].error;  // not retried
  EXPECT_EQ(out[3].text, "answer to: flaky one");  // failed in the first batch, resubmitted
  EXPECT_EQ(called.size(), 5u);

  // The wire: a JSONL file uploaded as multipart with purpose=batch, one line per distinct request.
  ASSERT_EQ(replay.batches_created.load(), 2);
  EXPECT_EQ(replay.files_uploaded.load(), 2);
  const auto& first = replay.batches[replay.batch_order[0]];
  ASSERT_EQ(first.lines.size(), 4u);
  for (const auto& l : first.lines) {
    EXPECT_EQ(l["method"], "POST");
    EXPECT_EQ(l["url"], "/v1/chat/completions");
    EXPECT_EQ(l["body"]["model"], "test-model");
    EXPECT_EQ(l["custom_id"].get<std::string>().size(), 2u);  // no journal: r<index>
  }
  EXPECT_EQ(first.create["completion_window"], "24h");
  EXPECT_EQ(first.create["endpoint"], "/v1/chat/completions");
  EXPECT_EQ(replay.upload_parts["purpose"], "batch");
  const auto& second = replay.batches[replay.batch_order[1]];
  ASSERT_EQ(second.lines.size(), 1u);  // only the flaky one goes again
  EXPECT_EQ(second.lines[0]["body"]["messages"][1]["content"], "flaky one");
  // Progress went through the documented states.
  const std::vector<std::string> want{"in_progress", "finalizing", "completed"};
  auto got = states();
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(got.begin(), got.begin() + 3), want);
  EXPECT_EQ(replay.direct_calls.load(), 0);
}

TEST_F(HttpBatch, OpenAISplitsByTheLimitAndResubmitsAnExpiredBatch) {
  auto b = make(spec("openai", ";batch_max_requests=3"));
  replay.expire_next = true;  // the first batch expires with its first half answered
  const auto reqs = asks({"a", "b", "c", "d", "e", "f", "g"});
  auto out = b->generate(reqs);
  for (std::size_t i = 0; i < reqs.size(); ++i)
    EXPECT_EQ(out[i].text, "answer to: " + reqs[i].messages[1].content) << i;
  // 7 requests, at most 3 per batch: 3 batches; the expired one (3 lines, 1 answered) sends 2 again.
  ASSERT_EQ(replay.batches_created.load(), 4);
  EXPECT_EQ(replay.batches[replay.batch_order[0]].status, "expired");
  EXPECT_EQ(replay.batches[replay.batch_order[0]].lines.size(), 3u);
  EXPECT_EQ(replay.batches[replay.batch_order[1]].lines.size(), 3u);
  EXPECT_EQ(replay.batches[replay.batch_order[2]].lines.size(), 1u);
  EXPECT_EQ(replay.batches[replay.batch_order[3]].lines.size(), 2u);
}

TEST_F(HttpBatch, RetryLimitThenReportedAsFailed) {
  auto b = make(spec("openai", ";batch_attempts=2"));
  auto out = b->generate(asks({"always fails", "fine"}));
  EXPECT_EQ(out[1].text, "answer to: fine");
  EXPECT_EQ(out[0].finish, FinishReason::Error);
  EXPECT_NE(out[0].error.find("after 2 submissions"), std::string::npos) << out[0].error;
  EXPECT_EQ(replay.batches_created.load(), 2);
}

TEST_F(HttpBatch, AnthropicMessageBatches) {
  auto b = make(spec("anthropic"));
  replay.expire_next = true;
  const auto reqs = asks({"one", "two", "invalid three", "flaky four"});
  auto out = b->generate(reqs);
  EXPECT_EQ(out[0].text, "answer to: one");
  EXPECT_EQ(out[1].text, "answer to: two");  // canceled or expired in the first batch, then answered
  EXPECT_EQ(out[3].text, "answer to: flaky four");
  EXPECT_EQ(out[2].finish, FinishReason::Error);
  EXPECT_NE(out[2].error.find("invalid_request_error"), std::string::npos) << out[2].error;
  const auto& first = replay.batches[replay.batch_order[0]];
  ASSERT_EQ(first.lines.size(), 4u);
  for (const auto& q : first.lines) {
    EXPECT_EQ(q["params"]["model"], "test-model");
    EXPECT_EQ(q["params"]["max_tokens"], 50);
    EXPECT_EQ(q["params"]["system"], "You are a helpful assistant.");
  }
  EXPECT_GE(replay.batches_created.load(), 2);
  const auto got = states();  // processing_status: in_progress, then ended
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(got[0], "in_progress");
  EXPECT_EQ(got[1], "ended");
  EXPECT_EQ(replay.direct_calls.load(), 0);
}

// A server that echoes the API key into its answers: the batch path removes the key before the
// answer is cached, as the direct path does (HttpHardening.AnEchoedKeyIsRedactedFromTheReply).
TEST_F(HttpBatch, AnEchoedKeyIsRedactedFromBatchAnswers) {
  replay.echo_key = true;
  for (const std::string provider : {"openai", "anthropic"}) {
    auto b = make(spec(provider));
    const std::string cache = (dir / (provider + ".sqlite")).string();
    {
      CachingBackend c(*b, caching(cache));
      auto out = c.generate(asks({"echo"}));
      EXPECT_EQ(out[0].text, "answer to: echo (you sent ***)") << provider;
    }
    std::string bytes;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(cache + suffix, std::ios::binary);
      bytes += std::string(std::istreambuf_iterator<char>(in), {});
    }
    EXPECT_FALSE(bytes.empty());
    EXPECT_EQ(bytes.find(kKey), std::string::npos) << provider << ": the key reached the cache file";
  }
}

// Same answers as the direct path, stored under the same cache keys: a batch run after a direct run
// on the same cache asks nothing, and both give the same Generations.
TEST_F(HttpBatch, SameAnswersAndCacheKeysAsTheDirectPath) {
  for (const std::string provider : {"openai", "anthropic"}) {
    const auto reqs = asks({"alpha", "beta", "gamma"});
    const std::string direct_spec = fmt::format("{}:test-model@{};api_key_env={}", provider,
                                                provider == "openai" ? server->url() + "/v1" : server->url(), kKeyVar);
    auto direct = make_http_backend(direct_spec);
    auto batch = make(spec(provider));
    EXPECT_EQ(direct->identity(), batch->identity());
    auto d = direct->generate(reqs);
    auto bt = batch->generate(reqs);
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      EXPECT_EQ(d[i].text, bt[i].text);
      EXPECT_EQ(d[i].finish, bt[i].finish);
      EXPECT_EQ(d[i].prompt_tokens, bt[i].prompt_tokens);
      EXPECT_EQ(d[i].completion_tokens, bt[i].completion_tokens);
    }
    const std::string cache = (dir / (provider + ".sqlite")).string();
    {
      CachingBackend c(*direct, caching(cache));
      c.generate(reqs);
    }
    const int before = replay.batches_created.load();
    CachingBackend c(*batch, caching(cache));
    auto again = c.generate(reqs);
    EXPECT_EQ(c.stats().hits, reqs.size()) << provider;
    EXPECT_EQ(replay.batches_created.load(), before) << provider;
    for (std::size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(again[i].text, d[i].text);
  }
}

// Kill sceval (SIGKILL) while it polls; the rerun polls the same batch and submits nothing.
TEST_F(HttpBatch, SigkillWhilePollingThenResume) {
  for (const std::string provider : {"openai", "anthropic"}) {
    SCOPED_TRACE(provider);
    const std::string cache = (dir / (provider + ".sqlite")).string();
    const auto reqs = asks({"p0", "p1", "p2", "p3", "p4"});
    replay.hold = true;  // batches stay in progress until the child is dead
    // Baselines per provider: the counters run on across the loop. Polls start only after every
    // batch of the stage is journaled, so three polls past the baseline mean all three are in the
    // journal (a count of batches the server created would race with the child's commit).
    const int created0 = replay.batches_created.load(), polls0 = replay.polls.load();
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // the "sceval" that gets killed: never returns
      auto b = make_http_backend(spec(provider, ";batch_max_requests=2"));
      CachingBackend c(*b, caching(cache));
      c.generate(reqs);
      ::_exit(3);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (replay.batches_created.load() < created0 + 3 || replay.polls.load() < polls0 + 6) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the child never polled";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    const int created = replay.batches_created.load(), uploaded = replay.files_uploaded.load();
    EXPECT_EQ(created, created0 + 3);
    replay.hold = false;

    {  // the journal holds the three batches, committed before polling
      BatchStore store(cache);
      auto batches = store.all_batches();
      ASSERT_EQ(batches.size(), 3u);
      std::size_t keys = 0;
      for (const auto& jb : batches) keys += jb.keys.size();
      EXPECT_EQ(keys, reqs.size());
    }
    auto b = make(spec(provider, ";batch_max_requests=2"));
    CachingBackend c(*b, caching(cache));
    auto out = c.generate(reqs);
    for (std::size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(out[i].text, "answer to: p" + std::to_string(i));
    EXPECT_EQ(replay.batches_created.load(), created);  // nothing submitted again
    EXPECT_EQ(replay.files_uploaded.load(), uploaded);
    std::size_t resumed = 0;
    for (const auto& e : events) resumed += e.kind == BatchEvent::Kind::Resumed;
    EXPECT_EQ(resumed, 3u);
    BatchStore store(cache);
    EXPECT_TRUE(store.open_batches(b->identity()).empty());
    // A third run answers from the cache.
    CachingBackend c3(*b, caching(cache));
    c3.generate(reqs);
    EXPECT_EQ(c3.stats().hits, reqs.size());
    events.clear();
  }
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `sceval run` with batch=1: each stage goes as one batch (here: under the provider's limit), and a
// direct run afterwards on the same cache asks nothing and writes the same decision map and SCEs.
TEST_F(HttpBatch, CliRunInBatchModeThenDirectFromTheSameCache) {
  const char* env_cli = std::getenv("SCEVAL_CLI");
  const std::string cli = env_cli && *env_cli ? env_cli : SCEVAL_CLI;
  if (cli.empty() || !std::filesystem::is_regular_file(cli)) GTEST_SKIP() << "no sceval binary (SCEVAL_CLI)";
  auto args = [&](const std::string& extra, const std::string& out) {
    return std::vector<std::string>{cli,
                                    "run",
                                    "--task",
                                    "credit_risk_3way",
                                    "--model",
                                    "openai:test-model@" + server->url() + "/v1;api_key_env=" + kKeyVar + extra,
                                    "--limit",
                                    "5",
                                    "--max-tokens",
                                    "16",
                                    "--cache",
                                    (dir / "c.sqlite").string(),
                                    "-o",
                                    (dir / out).string()};
  };
  {
    ChildProcess p(args(";batch=1;batch_poll=0.01", "batch"), (dir / "batch.log").string());
    ASSERT_TRUE(sceval::testing::run_finished(p.wait())) << slurp(dir / "batch.log");
  }
  EXPECT_EQ(replay.direct_calls.load(), 0);
  ASSERT_GE(replay.batches_created.load(), 2);  // decision map, follow-ups (, live checks)
  // The whole decision map went as one batch: one line per grid point.
  const std::string map = slurp(dir / "batch" / "decision_map.csv");
  const auto points = static_cast<std::size_t>(std::count(map.begin(), map.end(), '\n')) - 1;
  EXPECT_EQ(replay.batches[replay.batch_order[0]].lines.size(), points);
  EXPECT_NE(slurp(dir / "batch.log").find("openai batch completed"), std::string::npos) << slurp(dir / "batch.log");
  {
    ChildProcess p(args("", "direct"), (dir / "direct.log").string());
    ASSERT_TRUE(sceval::testing::run_finished(p.wait())) << slurp(dir / "direct.log");
  }
  EXPECT_EQ(replay.direct_calls.load(), 0);  // every answer came from the batch run's cache rows
  EXPECT_EQ(slurp(dir / "direct" / "decision_map.csv"), map);
  EXPECT_EQ(slurp(dir / "direct" / "sces.csv"), slurp(dir / "batch" / "sces.csv"));

  // --quiet: batches are submitted and polled (a new cache) but no progress line is printed.
  const int created = replay.batches_created.load();
  auto quiet = args(";batch=1;batch_poll=0.01", "quiet");
  quiet[quiet.size() - 3] = (dir / "quiet.sqlite").string();
  quiet.push_back("--quiet");
  {
    ChildProcess p(quiet, (dir / "quiet.log").string());
    ASSERT_TRUE(sceval::testing::run_finished(p.wait())) << slurp(dir / "quiet.log");
  }
  EXPECT_GT(replay.batches_created.load(), created);
  // The metrics (stdout) only, and the one error line of a run whose noise answers gave no metric
  // (errors are shown under --quiet too; it names the run directory, whose path says "batch").
  std::string log;
  std::istringstream lines(slurp(dir / "quiet.log"));
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("sceval: error: no metric", 0) != 0) log += line + "\n";
  EXPECT_EQ(log.find("batch"), std::string::npos) << log;
  EXPECT_EQ(log.find("decision_map"), std::string::npos) << log;
}

}  // namespace
}  // namespace sceval::llm
