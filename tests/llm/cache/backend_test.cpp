// CachingBackend in front of a counting stand-in for a model backend: hits, misses, keys, errors,
// refresh, chunks, progress (kills, streaming answers and reasoning text: backend_resume_test.cpp).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/cache/caching_backend.h"
#include "llm/cache/counting_backend.h"
#include "scratch_dir.h"

namespace sceval::llm {
namespace {

namespace fs = std::filesystem;

using cache_testing::at;
using cache_testing::CountingBackend;
using cache_testing::prompts;
using cache_testing::req;
using cache_testing::reqs;
using testing::ScratchDir;

TEST(CachingBackend, SecondRunAsksNothing) {
  ScratchDir dir;
  CountingBackend inner;
  const auto batch = reqs(0, 10);
  std::vector<Generation> first;
  {
    CachingBackend cached(inner, at(dir.file("c.sqlite"), 4));
    EXPECT_EQ(cached.identity(), inner.identity());
    first = cached.generate(batch);
    ASSERT_EQ(first.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(first[i].text, inner.answer(fmt::format("p{}", i), 42));
    // Chunks of 4, in order.
    ASSERT_EQ(inner.calls.size(), 3u);
    EXPECT_EQ(inner.calls[0], (std::vector<std::string>{"p0", "p1", "p2", "p3"}));
    EXPECT_EQ(inner.calls[2], (std::vector<std::string>{"p8", "p9"}));
    EXPECT_EQ(cached.stats().stored, 10u);
    EXPECT_EQ(cached.cache()->size(), 10u);
  }
  inner.calls.clear();
  CachingBackend again(inner, at(dir.file("c.sqlite"), 4));  // a new process would do the same
  const auto second = again.generate(batch);
  EXPECT_TRUE(inner.calls.empty());
  EXPECT_EQ(again.stats().hits, 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(second[i].text, first[i].text);
    EXPECT_EQ(second[i].completion_tokens, first[i].completion_tokens);
  }
}

TEST(CachingBackend, ForwardsOnlyTheMissesAsOneBatchInOrder) {
  ScratchDir dir;
  CountingBackend inner;
  CachingBackend cached(inner, at(dir.file("c.sqlite")));
  cached.generate(reqs(0, 10));
  inner.calls.clear();
  const std::vector<GenerationRequest> batch{req("p3"), req("p10"), req("p4"), req("p11"), req("p12"), req("p0")};
  const auto out = cached.generate(batch);
  ASSERT_EQ(inner.calls.size(), 1u);
  EXPECT_EQ(inner.calls[0], (std::vector<std::string>{"p10", "p11", "p12"}));
  ASSERT_EQ(out.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(out[i].text, inner.answer(prompts(batch)[i], 42)) << i;
}

TEST(CachingBackend, RepeatedRequestsInOneBatchAreAskedOnce) {
  ScratchDir dir;
  CountingBackend inner;
  CachingBackend cached(inner, at(dir.file("c.sqlite")));
  const std::vector<GenerationRequest> batch{req("a"), req("b"), req("a"), req("a")};
  const auto out = cached.generate(batch);
  ASSERT_EQ(inner.calls.size(), 1u);
  EXPECT_EQ(inner.calls[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(out[3].text, inner.answer("a", 42));
  EXPECT_EQ(cached.stats().duplicates, 2u);
}

TEST(CachingBackend, ParametersAndIdentityArePartOfTheKey) {
  ScratchDir dir;
  CountingBackend inner;
  CachingBackend cached(inner, at(dir.file("c.sqlite")));
  auto batch = reqs(0, 3);
  cached.generate(batch);
  for (auto& r : batch) r.sampling.seed = 7;
  const auto out = cached.generate(batch);
  EXPECT_EQ(inner.requests_asked(), 6u);
  EXPECT_EQ(out[0].text, inner.answer("p0", 7));
  inner.id = "counting:2";  // another model
  cached.generate(batch);
  EXPECT_EQ(inner.requests_asked(), 9u);
}

TEST(CachingBackend, ErrorsAreStoredAndAskedAgain) {
  ScratchDir dir;
  CountingBackend inner;
  inner.fail_once = {"p3", "p7"};
  const auto batch = reqs(0, 10);
  {
    CachingBackend cached(inner, at(dir.file("c.sqlite"), 4));
    const auto out = cached.generate(batch);
    EXPECT_EQ(out[3].finish, FinishReason::Error);
    EXPECT_EQ(out[7].finish, FinishReason::Error);
    EXPECT_EQ(cached.stats().errors, 2u);
    EXPECT_EQ(cached.cache()->count(CacheStatus::Error), 2u);
    const auto row = cached.cache()->lookup(cache_request(inner.id, batch[3]).key);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->error, "server said 503 for p3");
  }
  inner.calls.clear();
  CachingBackend cached(inner, at(dir.file("c.sqlite"), 4));
  const auto out = cached.generate(batch);
  ASSERT_EQ(inner.calls.size(), 1u);
  EXPECT_EQ(inner.calls[0], (std::vector<std::string>{"p3", "p7"}));
  EXPECT_EQ(cached.stats().retried_errors, 2u);
  EXPECT_EQ(out[3].finish, FinishReason::Stop);
  EXPECT_EQ(out[3].text, inner.answer("p3", 42));
  EXPECT_EQ(cached.cache()->count(CacheStatus::Error), 0u);
  inner.calls.clear();
  cached.generate(batch);
  EXPECT_TRUE(inner.calls.empty());
}

TEST(CachingBackend, RefreshAsksAgainOnceAndOverwrites) {
  ScratchDir dir;
  CountingBackend inner;
  const auto batch = reqs(0, 5);
  { CachingBackend(inner, at(dir.file("c.sqlite"))).generate(batch); }
  inner.version = 2;  // the model changed behind an unchanged identity (what --refresh is for)
  inner.calls.clear();
  {
    CachingBackend refresh(inner, at(dir.file("c.sqlite"), 64, CacheMode::Refresh));
    const auto out = refresh.generate(batch);
    EXPECT_EQ(inner.requests_asked(), 5u);
    EXPECT_EQ(out[0].text, inner.answer("p0", 42));
    refresh.generate(batch);  // once per run: the fresh answers are used from now on
    EXPECT_EQ(inner.requests_asked(), 5u);
    refresh.generate(reqs(3, 7));  // p5, p6 are new
    EXPECT_EQ(inner.requests_asked(), 7u);
  }
  inner.calls.clear();
  CachingBackend normal(inner, at(dir.file("c.sqlite")));
  const auto out = normal.generate(batch);
  EXPECT_TRUE(inner.calls.empty());
  EXPECT_EQ(out[4].text, inner.answer("p4", 42));  // v2
}

TEST(CachingBackend, NoCachePassesThrough) {
  ScratchDir dir;
  CountingBackend inner;
  const std::string path = dir.file("never.sqlite");
  CachingBackend off(inner, at(path, 2, CacheMode::Off));
  EXPECT_EQ(off.cache(), nullptr);
  const auto batch = reqs(0, 5);
  off.generate(batch);
  off.generate(batch);
  ASSERT_EQ(inner.calls.size(), 2u);  // whole batches, unchanged
  EXPECT_EQ(inner.calls[0], prompts(batch));
  EXPECT_FALSE(fs::exists(path));
}

TEST(CachingBackend, ChunkSizeZeroIsOneCall) {
  ScratchDir dir;
  CountingBackend inner;
  CachingBackend cached(inner, at(dir.file("c.sqlite"), 0));
  cached.generate(reqs(0, 200));
  EXPECT_EQ(inner.calls.size(), 1u);
}

TEST(CachingBackend, ProgressAfterEveryCommittedChunk) {
  ScratchDir dir;
  CountingBackend inner;
  CachingBackend cached(inner, at(dir.file("c.sqlite"), 3));
  cached.generate(reqs(0, 2));
  std::vector<std::pair<std::size_t, std::size_t>> seen;
  cached.set_progress([&](std::size_t done, std::size_t total) { seen.emplace_back(done, total); });
  cached.generate(reqs(0, 7));  // 2 hits, 5 misses: chunks of 3 and 2
  EXPECT_EQ(seen, (std::vector<std::pair<std::size_t, std::size_t>>{{2, 7}, {5, 7}, {7, 7}}));
}

TEST(CachingBackend, ScoresAreCachedAndAFailedChunkKeepsTheOthers) {
  ScratchDir dir;
  CountingBackend inner;
  std::vector<LabelScoreRequest> batch;
  for (int i = 0; i < 6; ++i) {
    LabelScoreRequest s;
    s.messages = {{"user", fmt::format("q{}", i)}};
    s.answer_prefix = "{\"answer\": \"";
    s.options = {"yes", "no", "maybe"};
    batch.push_back(s);
  }
  inner.throw_on = {"q4"};
  CachingBackend cached(inner, at(dir.file("c.sqlite"), 2));
  EXPECT_TRUE(cached.supports_scoring());
  EXPECT_THROW(cached.score_options(batch), Error);  // chunks {q0,q1}, {q2,q3} stored, {q4,q5} threw
  EXPECT_EQ(cached.cache()->size(), 4u);
  inner.throw_on.clear();
  inner.calls.clear();
  const auto out = cached.score_options(batch);
  ASSERT_EQ(inner.calls.size(), 1u);
  EXPECT_EQ(inner.calls[0], (std::vector<std::string>{"q4", "q5"}));
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0].logprob[2], -0.1 * 3.0 / 3.0);
  EXPECT_EQ(out[5].n_tokens, (std::vector<int>{1, 2, 3}));
  inner.calls.clear();
  const auto again = cached.score_options(batch);
  EXPECT_TRUE(inner.calls.empty());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(again[i].logprob, out[i].logprob);
  // A generation with the same messages is a different request.
  GenerationRequest g;
  g.messages = batch[0].messages;
  cached.generate(std::span<const GenerationRequest>(&g, 1));
  EXPECT_EQ(inner.calls.size(), 1u);
}

TEST(CachingBackend, UnreadableRowIsAskedAgain) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  CountingBackend inner;
  const auto batch = reqs(0, 3);
  { CachingBackend(inner, at(path)).generate(batch); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql =
      "UPDATE responses SET response = 'garbage' WHERE key = '" + cache_request(inner.id, batch[1]).key + "'";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  inner.calls.clear();
  CachingBackend cached(inner, at(path));
  const auto out = cached.generate(batch);
  ASSERT_EQ(inner.calls.size(), 1u);
  EXPECT_EQ(inner.calls[0], (std::vector<std::string>{"p1"}));
  EXPECT_EQ(out[1].text, inner.answer("p1", 42));
  EXPECT_TRUE(cached.cache()->verify().ok());
}

TEST(CachingBackend, BackendWithoutIdentityIsRefused) {
  ScratchDir dir;
  CountingBackend inner;
  inner.id = "";
  CachingBackend cached(inner, at(dir.file("c.sqlite")));
  const auto batch = reqs(0, 1);
  EXPECT_THROW(cached.generate(batch), Error);
}

}  // namespace
}  // namespace sceval::llm
