// CachingBackend in front of a counting stand-in for a model backend.
#include <gtest/gtest.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/cache/caching_backend.h"
#include "scratch_dir.h"

namespace sceval::llm {
namespace {

namespace fs = std::filesystem;

using testing::ScratchDir;

// The inner backend: answers are a function of the request (and `version`), every call is recorded.
class CountingBackend : public Backend {
 public:
  std::string id = "counting:1";
  int version = 1;
  std::set<std::string> fail_once;  // prompts that fail the first time they are asked
  std::set<std::string> throw_on;   // prompts whose score_options call throws
  int sleep_ms_per_call = 0;
  std::vector<std::vector<std::string>> calls;  // prompts of each call
  std::map<std::string, int> asked;

  std::string identity() const override { return id; }
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override {
    record(batch);
    std::vector<Generation> out;
    for (const auto& r : batch) {
      const std::string& p = r.messages.back().content;
      Generation g;
      if (fail_once.contains(p) && asked[p] == 1) {
        g.finish = FinishReason::Error;
        g.error = "server said 503 for " + p;
      } else {
        g.text = answer(p, r.sampling.seed);
        g.completion_tokens = static_cast<int>(p.size());
      }
      out.push_back(std::move(g));
    }
    return out;
  }
  bool supports_scoring() const override { return true; }
  std::vector<OptionScores> score_options(std::span<const LabelScoreRequest> batch) override {
    record(batch);
    std::vector<OptionScores> out;
    for (const auto& r : batch) {
      if (throw_on.contains(r.messages.back().content)) throw Error("cannot score " + r.messages.back().content);
      OptionScores s;
      for (std::size_t k = 0; k < r.options.size(); ++k) {
        s.logprob.push_back(-0.1 * static_cast<double>(version) * static_cast<double>(k + 1) / 3.0);
        s.probability.push_back(1.0 / static_cast<double>(r.options.size()));
        s.n_tokens.push_back(static_cast<int>(k) + 1);
      }
      out.push_back(std::move(s));
    }
    return out;
  }
  std::string answer(const std::string& p, std::uint64_t seed) const {
    return fmt::format("v{} {} seed {}", version, p, seed);
  }
  std::size_t requests_asked() const {
    std::size_t n = 0;
    for (const auto& c : calls) n += c.size();
    return n;
  }

 private:
  template <class R>
  void record(std::span<const R> batch) {
    if (sleep_ms_per_call) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_per_call));
    calls.emplace_back();
    for (const auto& r : batch) {
      calls.back().push_back(r.messages.back().content);
      ++asked[r.messages.back().content];
    }
  }
};

GenerationRequest req(const std::string& prompt) {
  GenerationRequest r;
  r.messages = {{"system", "Answer in JSON."}, {"user", prompt}};
  return r;
}
std::vector<GenerationRequest> reqs(int from, int to) {
  std::vector<GenerationRequest> v;
  for (int i = from; i < to; ++i) v.push_back(req(fmt::format("p{}", i)));
  return v;
}
std::vector<std::string> prompts(const std::vector<GenerationRequest>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.messages.back().content);
  return out;
}

CachingOptions at(const std::string& path, std::size_t chunk = 64, CacheMode mode = CacheMode::Use) {
  CachingOptions o;
  o.path = path;
  o.chunk_size = chunk;
  o.mode = mode;
  return o;
}

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

// A run killed (SIGKILL) in the middle, then started again, sends the inner backend exactly the
// chunks an uninterrupted run would have sent after the last committed one, and ends with the same
// answers.
TEST(CachingBackend, ResumedRunRepeatsTheUninterruptedChunks) {
  ScratchDir dir;
  const auto batch = reqs(0, 40);
  constexpr std::size_t kChunk = 4;

  CountingBackend reference;
  const auto expected = CachingBackend(reference, at(dir.file("reference.sqlite"), kChunk)).generate(batch);
  ASSERT_EQ(reference.calls.size(), 10u);

  const std::string path = dir.file("killed.sqlite");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      CountingBackend slow;
      slow.sleep_ms_per_call = 30;
      CachingBackend(slow, at(path, kChunk)).generate(batch);
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(std::mt19937(seed)() % 300));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);

  CountingBackend resumed;
  CachingBackend cached(resumed, at(path, kChunk));
  const std::size_t done_before = cached.cache()->size();
  EXPECT_EQ(done_before % kChunk, 0u) << "a chunk is committed whole or not at all";
  const auto out = cached.generate(batch);
  const std::size_t skipped = reference.calls.size() - resumed.calls.size();
  EXPECT_EQ(skipped * kChunk, done_before);
  for (std::size_t c = 0; c < resumed.calls.size(); ++c) EXPECT_EQ(resumed.calls[c], reference.calls[skipped + c]) << c;
  for (std::size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(out[i].text, expected[i].text);
}

}  // namespace
}  // namespace sceval::llm

namespace sceval::llm {
namespace {

// A remote-server stand-in: answers arrive one by one, in reverse order, and the connection dies
// (throws) after `die_after` of them, as a killed process would stop.
class StreamingBackend : public CountingBackend {
 public:
  std::size_t die_after = SIZE_MAX;
  bool answers_independent_of_batch() const override { return true; }
  std::vector<Generation> generate_each(std::span<const GenerationRequest> batch, const ResultCallback& f) override {
    auto out = generate(batch);
    for (std::size_t k = 0; k < out.size(); ++k) {
      if (k == die_after) throw Error("connection lost");
      const std::size_t i = out.size() - 1 - k;
      if (f) f(i, out[i]);
    }
    return out;
  }
};

TEST(CachingBackend, RemoteAnswersAreCommittedOneByOneAsTheyArrive) {
  ScratchDir dir;
  StreamingBackend inner;
  inner.die_after = 3;
  const auto batch = reqs(0, 8);
  std::vector<std::pair<std::size_t, std::size_t>> progress;
  {
    CachingBackend cached(inner, at(dir.file("c.sqlite"), 64));  // one chunk of 8
    cached.set_progress([&](std::size_t d, std::size_t n) { progress.emplace_back(d, n); });
    EXPECT_THROW(cached.generate(batch), Error);
    // The three answers that arrived (p7, p6, p5) are stored although their chunk never returned.
    EXPECT_EQ(cached.cache()->size(), 3u);
    EXPECT_EQ(cached.stats().stored, 3u);
  }
  EXPECT_EQ(progress.back(), (std::pair<std::size_t, std::size_t>{3, 8}));
  inner.die_after = SIZE_MAX;
  inner.calls.clear();
  CachingBackend again(inner, at(dir.file("c.sqlite"), 64));
  const auto out = again.generate(batch);
  ASSERT_EQ(inner.calls.size(), 1u);
  EXPECT_EQ(inner.calls[0], (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"}));  // only the lost ones
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out[i].text, inner.answer(fmt::format("p{}", i), 42));
}

TEST(CachingBackend, InProcessChunksStayAtomic) {
  ScratchDir dir;
  CountingBackend inner;  // answers_independent_of_batch() is false: a chunk is one transaction
  CachingBackend cached(inner, at(dir.file("c.sqlite"), 4));
  std::vector<std::size_t> seen;
  cached.set_progress([&](std::size_t d, std::size_t) { seen.push_back(d); });
  cached.generate(reqs(0, 8));
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 4, 8}));
}

TEST(CachingBackend, ReasoningTextIsStoredWithTheAnswer) {
  ScratchDir dir;
  class Thinking : public CountingBackend {
   public:
    std::vector<Generation> generate(std::span<const GenerationRequest> batch) override {
      auto out = CountingBackend::generate(batch);
      for (auto& g : out) g.reasoning = "first I think \xff about " + g.text;
      return out;
    }
  } inner;
  const auto batch = reqs(0, 2);
  std::vector<Generation> first;
  {
    CachingBackend cached(inner, at(dir.file("c.sqlite")));
    first = cached.generate(batch);
  }
  CachingBackend again(inner, at(dir.file("c.sqlite")));
  const auto second = again.generate(batch);
  EXPECT_EQ(again.stats().hits, 2u);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(second[i].reasoning, first[i].reasoning);
}

}  // namespace
}  // namespace sceval::llm
