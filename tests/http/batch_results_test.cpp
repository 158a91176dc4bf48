// Reading what a provider batch produced (batch=1), against the local replay of the providers'
// documented batch APIs (tests/http/batch_replay.h): result files larger than any reply held in
// memory (a full OpenAI batch of 50,000 lines passes 64 MiB at ~860 bytes of answer a line, an
// Anthropic one of 100,000 at ~300), a download that fails and is collected by the rerun without
// submitting anything again, and an OpenAI batch that failed validation as a whole.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "common/error.h"
#include "http/batch_replay.h"
#include "http/batch_replay_test.h"
#include "llm/cache/batch_store.h"
#include "llm/cache/caching_backend.h"
#include "llm/http/batch_backend.h"
#include "llm/http/batch_http.h"
#include "llm/http/model_spec.h"

namespace sceval::llm {
namespace {

using sceval::testing::BatchReplay;
using sceval::testing::TestServer;

constexpr const char* kKeyVar = "SCEVAL_TEST_BATCH_KEY";

std::vector<GenerationRequest> asks(std::size_t n, const std::string& stem = "q") {
  std::vector<GenerationRequest> out;
  for (std::size_t i = 0; i < n; ++i) {
    GenerationRequest r;
    r.messages = {{"user", stem + std::to_string(i)}};
    r.sampling.max_tokens = 50;
    out.push_back(std::move(r));
  }
  return out;
}

struct HttpBatchResults : sceval::testing::BatchReplayTest {
  HttpBatchResults() : BatchReplayTest(kKeyVar, "sk-results-test", "sceval-batch-results-") {}
  std::vector<BatchEvent> events;

  // The batch backend of `spec`, with a reply size limit of `max_reply` bytes.
  std::unique_ptr<BatchBackend> make(const std::string& s, std::size_t max_reply = 64u << 20) {
    const ModelSpec m = parse_model_spec(s);
    std::unique_ptr<http::BatchProvider> p;
    if (m.provider == "openai") {
      auto o = openai_options(m);
      o.transport.max_response_bytes = max_reply;
      p = http::make_openai_batch_provider(o);
    } else {
      auto o = anthropic_options(m);
      o.transport.max_response_bytes = max_reply;
      p = http::make_anthropic_batch_provider(o);
    }
    auto b = std::make_unique<BatchBackend>(std::move(p), batch_options(m));
    b->options().on_event = [this](const BatchEvent& e) { events.push_back(e); };
    return b;
  }
  void expect_answers(const std::vector<Generation>& out, const std::vector<GenerationRequest>& reqs, std::size_t pad) {
    ASSERT_EQ(out.size(), reqs.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      ASSERT_EQ(out[i].finish, FinishReason::Stop) << i << ": " << out[i].error;
      ASSERT_EQ(out[i].text, "answer to: " + reqs[i].messages.back().content + std::string(pad, 'x')) << i;
    }
  }
};

std::size_t results_bytes(BatchReplay& replay) {
  std::size_t n = 0;
  for (const auto& [id, b] : replay.batches)
    n += b.provider == "openai" ? replay.files[b.output_file].size() : b.output_file.size();
  return n;
}

// A result file many times the reply limit is read in full: it is streamed, not held as one reply.
TEST_F(HttpBatchResults, AResultFileLargerThanTheReplyLimitIsRead) {
  for (const std::string provider : {"openai", "anthropic"}) {
    SCOPED_TRACE(provider);
    replay.pad_answers = 1000;
    auto b = make(spec(provider), 4096);
    const auto reqs = asks(40);
    auto out = b->generate(reqs);
    expect_answers(out, reqs, 1000);
    EXPECT_GT(results_bytes(replay), 40u * 1000);  // ten times the limit
  }
}

// The real size, once: a result file over 64 MiB (the default reply limit) with the default
// settings (~3 s of CPU; both providers share the download, the test above covers each).
TEST_F(HttpBatchResults, AResultFileOver64MiBIsRead) {
  replay.pad_answers = 100'000;
  auto b = make(spec("openai"));
  const auto reqs = asks(700);
  const auto t0 = std::chrono::steady_clock::now();
  auto out = b->generate(reqs);
  expect_answers(out, reqs, 100'000);
  EXPECT_GT(results_bytes(replay), std::size_t{64} << 20);
  std::printf("%.1f MiB of results in %.1f s\n", results_bytes(replay) / 1048576.0,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// A line longer than the reply limit is refused with its number; nothing is held beyond one line.
TEST(HttpBatchJsonl, LinesOfAFileOneAtATime) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  std::fputs("{\"a\":1}\n\n  \n{\"b\":2}\r\n{\"c\":3}", f);
  std::rewind(f);
  std::vector<std::pair<std::size_t, std::string>> got;
  http::for_each_jsonl_line(f, 100, [&](std::size_t n, std::string_view l) { got.emplace_back(n, std::string(l)); });
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::make_pair(std::size_t{1}, std::string("{\"a\":1}")));
  EXPECT_EQ(got[1], std::make_pair(std::size_t{4}, std::string("{\"b\":2}\r")));
  EXPECT_EQ(got[2], std::make_pair(std::size_t{5}, std::string("{\"c\":3}")));
  std::rewind(f);
  try {
    http::for_each_jsonl_line(f, 5, [](std::size_t, std::string_view) {});
    ADD_FAILURE() << "a line over the limit was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 1 "), std::string::npos) << e.what();
  }
  std::fclose(f);
}

// A download that fails once is retried by the transport: the run does not notice.
TEST_F(HttpBatchResults, AFailedDownloadIsRetried) {
  for (const std::string provider : {"openai", "anthropic"}) {
    SCOPED_TRACE(provider);
    replay.fail_downloads = 1;
    const int downloads0 = replay.downloads.load(), created0 = replay.batches_created.load();
    auto b = make(spec(provider));
    const auto reqs = asks(3);
    expect_answers(b->generate(reqs), reqs, 0);
    EXPECT_EQ(replay.downloads.load(), downloads0 + 2);
    EXPECT_EQ(replay.batches_created.load(), created0 + 1);
  }
}

// A download that still fails after the transport's attempts ends the run as a failed poll does:
// the batch stays open in the journal, and the rerun downloads it without submitting anything.
TEST_F(HttpBatchResults, AFailedDownloadIsCollectedByTheRerun) {
  for (const std::string provider : {"openai", "anthropic"}) {
    SCOPED_TRACE(provider);
    const std::string cache = (dir / (provider + ".sqlite")).string();
    CachingOptions co;
    co.path = cache;
    const auto reqs = asks(4);
    replay.fail_downloads = 1;
    auto b = make(spec(provider, ";max_attempts=1"));
    const int created = replay.batches_created.load() + 1;
    {
      CachingBackend c(*b, co);
      try {
        c.generate(reqs);
        ADD_FAILURE() << "the failed download went unnoticed";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("run the same command again"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("downloading its results failed"), std::string::npos) << e.what();
      }
    }
    EXPECT_EQ(replay.batches_created.load(), created);
    EXPECT_EQ(BatchStore(cache).open_batches(b->identity()).size(), 1u);
    CachingBackend c(*b, co);
    expect_answers(c.generate(reqs), reqs, 0);
    EXPECT_EQ(replay.batches_created.load(), created);  // nothing submitted again
    EXPECT_TRUE(BatchStore(cache).open_batches(b->identity()).empty());
  }
}

// An OpenAI batch that failed validation: every request fails with the batch's errors.data (code,
// input line, message), and a malformed input would be refused again, so nothing is resubmitted.
TEST_F(HttpBatchResults, AFailedOpenAIBatchShowsItsErrorsAndIsNotResubmitted) {
  replay.fail_next = "invalid_json_line";
  auto b = make(spec("openai"));
  auto out = b->generate(asks(3));
  for (const auto& g : out) {
    ASSERT_EQ(g.finish, FinishReason::Error);
    EXPECT_NE(g.error.find("invalid_json_line (input line 2): This line is not parseable as valid JSON."),
              std::string::npos)
        << g.error;
    EXPECT_NE(g.error.find("after 1 submission"), std::string::npos) << g.error;
  }
  EXPECT_EQ(replay.batches_created.load(), 1);
  bool shown = false;
  for (const auto& e : events)
    shown = shown || (e.kind == BatchEvent::Kind::Collected && e.line().find("invalid_json_line") != std::string::npos);
  EXPECT_TRUE(shown) << "the progress line does not say why the batch failed";
}

// A batch refused for the enqueued-token limit may pass later: its requests are submitted again.
TEST_F(HttpBatchResults, ABatchOverTheTokenLimitIsResubmitted) {
  replay.fail_next = "token_limit_exceeded";
  auto b = make(spec("openai"));
  const auto reqs = asks(2);
  expect_answers(b->generate(reqs), reqs, 0);
  EXPECT_EQ(replay.batches_created.load(), 2);
}

}  // namespace
}  // namespace sceval::llm
