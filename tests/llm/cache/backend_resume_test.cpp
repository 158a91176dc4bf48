// CachingBackend across kills and streaming: a killed run resumes with exactly the missing requests,
// remote answers are committed one by one, in-process chunks stay atomic, reasoning text is kept.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/cache/caching_backend.h"
#include "llm/cache/counting_backend.h"
#include "scratch_dir.h"

namespace sceval::llm {
namespace {

using cache_testing::at;
using cache_testing::CountingBackend;
using cache_testing::reqs;
using testing::ScratchDir;

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
