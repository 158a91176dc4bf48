// The SQLite response cache with real processes: two writers at once, and a writer killed with
// SIGKILL at a random moment.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "common/error.h"
#include "llm/cache/cache_rows.h"
#include "llm/cache/response_cache.h"
#include "scratch_dir.h"

namespace sceval::llm {
namespace {

using cache_testing::index_of;
using cache_testing::intact;
using cache_testing::row;
using testing::ScratchDir;

// The int64 values a child wrote to a pipe, from the bytes read.
std::vector<std::int64_t> ints_of(const std::vector<char>& bytes) {
  std::vector<std::int64_t> out;
  for (std::size_t k = 0; k + sizeof(std::int64_t) <= bytes.size(); k += sizeof(std::int64_t)) {
    std::int64_t v;
    std::memcpy(&v, bytes.data() + k, sizeof v);
    out.push_back(v);
  }
  return out;
}

void write_int(int fd, std::int64_t v) {
  const char* p = reinterpret_cast<const char*>(&v);
  std::size_t done = 0;
  while (done < sizeof v) {
    const ssize_t w = write(fd, p + done, sizeof v - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(90);
    done += static_cast<std::size_t>(w);
  }
}

// Waits for a child at most `seconds`; kills it after that. Returns its wait status, or -1 on timeout.
int wait_bounded(pid_t pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

// Two processes write interleaved keys into one fresh file at the same time (each also rewrites keys
// the other writes, and reads back its own rows), for a bounded number of rows and seconds.
TEST(ResponseCacheProcesses, TwoWritersAtOnce) {
  ScratchDir dir;
  const std::string path = dir.file("shared.sqlite");
  constexpr int kWriters = 2;
  constexpr std::int64_t kRows = 20000;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  std::vector<pid_t> pids;
  std::vector<int> reports;
  for (int w = 0; w < kWriters; ++w) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      close(go[1]);
      char c;
      if (read(go[0], &c, 1) < 0) _exit(91);  // start together: both create the file at once
      int code = 0;
      try {
        ResponseCache cache(path, {.busy_timeout_ms = 20000});
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
        std::vector<CacheEntry> pending;
        for (std::int64_t i = 0; i < kRows && std::chrono::steady_clock::now() < deadline; ++i) {
          // Own keys: i % kWriters == w. Every 10th key is written by both writers.
          if (i % kWriters != w && i % 10 != 0) continue;
          if (i % 3 == 0) {
            cache.put(row(i));
            write_int(fds[1], i);
            if (i % 17 == 0 && !intact(cache, i)) code = 2;  // read back while the other writes
          } else {
            pending.push_back(row(i));
            if (pending.size() == 4) {
              cache.put_batch(pending);
              for (const auto& e : pending) write_int(fds[1], index_of(e));
              pending.clear();
            }
          }
        }
        cache.put_batch(pending);
        for (const auto& e : pending) write_int(fds[1], index_of(e));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      close(fds[1]);
      _exit(code);
    }
    close(fds[1]);
    pids.push_back(pid);
    reports.push_back(fds[0]);
  }
  close(go[0]);
  close(go[1]);  // EOF releases both children at once

  // Read both report pipes as they fill (a full pipe would stall its writer).
  std::vector<std::set<std::int64_t>> written(kWriters);
  {
    std::vector<std::vector<char>> bytes(kWriters);
    std::vector<pollfd> fds;
    for (int w = 0; w < kWriters; ++w) fds.push_back({reports[w], POLLIN, 0});
    int open_pipes = kWriters;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (open_pipes > 0 && std::chrono::steady_clock::now() < give_up) {
      if (poll(fds.data(), fds.size(), 1000) <= 0) continue;
      for (int w = 0; w < kWriters; ++w) {
        if (fds[w].fd < 0 || !(fds[w].revents & (POLLIN | POLLHUP))) continue;
        char buf[4096];
        const ssize_t r = read(fds[w].fd, buf, sizeof buf);
        if (r > 0) {
          bytes[w].insert(bytes[w].end(), buf, buf + r);
        } else if (r == 0) {
          close(fds[w].fd);
          fds[w].fd = -1;
          --open_pipes;
        }
      }
    }
    for (int w = 0; w < kWriters; ++w) {
      if (fds[w].fd >= 0) close(fds[w].fd);
      for (auto i : ints_of(bytes[w])) written[w].insert(i);
    }
  }
  for (int w = 0; w < kWriters; ++w) {
    const int status = wait_bounded(pids[w], 60);
    ASSERT_NE(status, -1) << "writer " << w << " did not finish";
    ASSERT_TRUE(WIFEXITED(status)) << "writer " << w;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "writer " << w;
  }

  ResponseCache cache(path);
  const CacheCheck check = cache.verify();
  EXPECT_EQ(check.integrity, "ok");
  EXPECT_TRUE(check.bad_rows.empty()) << check.bad_rows.front();
  std::set<std::int64_t> all;
  for (const auto& s : written) all.insert(s.begin(), s.end());
  EXPECT_GT(written[0].size(), 100u);
  EXPECT_GT(written[1].size(), 100u);
  EXPECT_EQ(cache.size(), all.size());
  for (auto i : all) ASSERT_TRUE(intact(cache, i)) << i;
  std::size_t seen = 0;
  cache.for_each([&](const CacheEntry& e) {
    ++seen;
    EXPECT_TRUE(all.contains(index_of(e)));
  });
  EXPECT_EQ(seen, all.size());
}

// A child writes rows in a loop (single puts, or batches of 5 in one transaction) and reports each
// committed row on a pipe; it is killed with SIGKILL at a random moment. Everything reported must be
// there and intact, the file must pass integrity_check, and the next writer must carry on.
TEST(ResponseCacheProcesses, SigkillLosesNothingCommitted) {
  ScratchDir dir;
  const std::string path = dir.file("killed.sqlite");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::set<std::int64_t> committed;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool batched = round % 2 == 1;
    const std::int64_t base = std::int64_t{round} * 1000000;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      try {
        ResponseCache cache(path);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (std::int64_t i = base; i < base + 900000 && std::chrono::steady_clock::now() < deadline;) {
          if (batched) {
            std::vector<CacheEntry> b;
            for (int k = 0; k < 5; ++k) b.push_back(row(i + k));
            cache.put_batch(b);
            for (int k = 0; k < 5; ++k) write_int(fds[1], i + k);
            i += 5;
          } else {
            cache.put(row(i));
            write_int(fds[1], i);
            ++i;
          }
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer: %s\n", e.what());
        _exit(1);
      }
      _exit(0);
    }
    close(fds[1]);
    // Wait for the first commit, then a random 0..300 ms, reading the reports all the while (a full
    // pipe would park the writer in write() instead of in SQLite).
    std::int64_t first = -1;
    ASSERT_EQ(read(fds[0], &first, sizeof first), static_cast<ssize_t>(sizeof first));
    std::vector<std::int64_t> reported{first};
    std::vector<char> bytes;
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    const auto kill_at = std::chrono::steady_clock::now() +
                         std::chrono::microseconds(std::uniform_int_distribution<int>(0, 300000)(rng));
    char buf[4096];
    while (std::chrono::steady_clock::now() < kill_at) {
      const ssize_t r = read(fds[0], buf, sizeof buf);
      if (r > 0)
        bytes.insert(bytes.end(), buf, buf + r);
      else
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer ended before the kill";
    for (ssize_t r; (r = read(fds[0], buf, sizeof buf)) > 0;) bytes.insert(bytes.end(), buf, buf + r);
    close(fds[0]);
    for (auto i : ints_of(bytes)) reported.push_back(i);
    committed.insert(reported.begin(), reported.end());

    ResponseCache cache(path);  // recovers the WAL left by the killed process
    const CacheCheck check = cache.verify();
    ASSERT_EQ(check.integrity, "ok");
    ASSERT_TRUE(check.bad_rows.empty()) << check.bad_rows.front();
    for (auto i : committed) ASSERT_TRUE(intact(cache, i)) << i;
    // Rows committed after the last report (at most one transaction) are complete too.
    std::vector<std::int64_t> stored;
    cache.for_each([&](const CacheEntry& e) { stored.push_back(index_of(e)); });
    std::size_t extra = 0;
    for (auto i : stored) {
      if (!committed.contains(i)) ++extra;
      ASSERT_TRUE(intact(cache, i)) << i;
    }
    EXPECT_LE(extra, 5u);
    EXPECT_EQ(stored.size(), committed.size() + extra);
    committed.insert(stored.begin(), stored.end());
  }
  EXPECT_GT(committed.size(), 6u);
}

}  // namespace
}  // namespace sceval::llm
