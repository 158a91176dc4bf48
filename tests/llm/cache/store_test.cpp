// The SQLite response cache: rows, errors, schema checks, and real processes — two writers at once,
// and a writer killed with SIGKILL at a random moment.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/cache/response_cache.h"
#include "scratch_dir.h"

namespace sceval::llm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testing::ScratchDir;

// Row i: a deterministic request and answer; some answers span several database pages.
GenerationRequest request_for(std::int64_t i) {
  GenerationRequest r;
  r.messages = {{"user", "point " + std::to_string(i)}};
  return r;
}
std::string text_for(std::int64_t i) {
  std::string t = "answer " + std::to_string(i) + ' ';
  t += std::string(static_cast<std::size_t>(i % 7 == 0 ? 9000 + i % 1000 : i % 300), static_cast<char>('a' + i % 26));
  return t;
}
CacheRequest key_for(std::int64_t i) { return cache_request("test-model", request_for(i)); }
CacheEntry row(std::int64_t i) {
  Generation g;
  g.text = text_for(i);
  g.completion_tokens = static_cast<int>(i % 100000);
  g.logprobs = {{"a", -0.1 * static_cast<double>(i % 13), {{"a", -0.1}, {"b", -2.5}}}};
  return make_entry(key_for(i), g, 0.25, 1);
}
bool intact(ResponseCache& c, std::int64_t i) {
  const auto g = c.get_generation(key_for(i).key);
  return g && g->text == text_for(i) && g->completion_tokens == static_cast<int>(i % 100000) &&
         g->logprobs.size() == 1 && g->logprobs[0].top.size() == 2;
}
// The index a stored row was written for, read from its request.
std::int64_t index_of(const CacheEntry& e) {
  const std::string content = json::parse(e.request).at("messages").at(0).at("content").get<std::string>();
  return std::stoll(content.substr(std::string("point ").size()));
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

TEST(ResponseCache, PutGetReopen) {
  ScratchDir dir;
  const std::string path = dir.file("sub/dir/responses.sqlite");  // folders are created
  {
    ResponseCache c(path);
    EXPECT_EQ(c.size(), 0u);
    EXPECT_FALSE(c.get_generation(key_for(1).key));
    c.put(row(1));
    std::vector<CacheEntry> rows{row(2), row(3), row(7)};
    c.put_batch(rows);
    EXPECT_EQ(c.size(), 4u);
    EXPECT_TRUE(intact(c, 7));
  }
  ResponseCache c(path);
  EXPECT_EQ(c.size(), 4u);
  for (int i : {1, 2, 3, 7}) EXPECT_TRUE(intact(c, i)) << i;
  const auto e = c.lookup(key_for(2).key);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, RequestKind::Generate);
  EXPECT_EQ(e->backend, "test-model");
  EXPECT_EQ(e->request, key_for(2).canonical);
  EXPECT_EQ(e->status, CacheStatus::Ok);
  EXPECT_EQ(e->elapsed, 0.25);
  EXPECT_EQ(e->created_at.size(), 24u) << e->created_at;  // 2025-01-31T12:00:00.123Z
  // A score answer for a generation key is refused, not misread.
  EXPECT_THROW(c.get_scores(key_for(2).key), Error);
  EXPECT_TRUE(c.verify().ok());
}

TEST(ResponseCache, ErrorsAreStoredButMiss) {
  ScratchDir dir;
  ResponseCache c(dir.file("c.sqlite"));
  Generation failed;
  failed.finish = FinishReason::Error;
  failed.error = "HTTP 503";
  c.put(make_entry(key_for(1), failed));
  auto e = c.lookup(key_for(1).key);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, CacheStatus::Error);
  EXPECT_EQ(e->error, "HTTP 503");
  EXPECT_FALSE(c.get_generation(key_for(1).key));  // an error is a miss
  EXPECT_EQ(c.count(CacheStatus::Error), 1u);

  c.put(row(1));  // the retry's answer replaces the error
  EXPECT_TRUE(intact(c, 1));
  c.put(make_entry(key_for(1), failed));  // a later failure does not replace a good answer
  EXPECT_TRUE(intact(c, 1));
  EXPECT_EQ(c.count(CacheStatus::Ok), 1u);

  c.put(make_error_entry(key_for(2), "score_options threw"));
  EXPECT_EQ(c.count(CacheStatus::Error), 1u);
  EXPECT_EQ(c.delete_errors(), 1u);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_TRUE(c.verify().ok());
}

TEST(ResponseCache, RefusesFilesThatAreNotCaches) {
  ScratchDir dir;
  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "this is not a database, just text that is long enough to have a header............";
  try {
    ResponseCache c(text);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
  const std::string other = dir.file("other.sqlite");
  exec_sql(other, "CREATE TABLE people(name TEXT)");
  EXPECT_THROW(ResponseCache c(other), Error);

  const std::string newer = dir.file("newer.sqlite");
  { ResponseCache c(newer); }
  exec_sql(newer, "PRAGMA user_version=99");
  try {
    ResponseCache c(newer);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(ResponseCache, ReadOnly) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  EXPECT_THROW(ResponseCache(path, {.read_only = true}), Error);  // no such file
  { ResponseCache(path).put(row(5)); }
  ResponseCache c(path, {.read_only = true});
  EXPECT_TRUE(intact(c, 5));
  EXPECT_THROW(c.put(row(6)), Error);
}

TEST(ResponseCache, VerifyFindsDamagedRows) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  ResponseCache c(path);
  for (int i = 0; i < 5; ++i) c.put(row(i));
  exec_sql(path, "UPDATE responses SET response = '{\"text\": 1}' WHERE key = '" + key_for(3).key + "'");
  exec_sql(path, "UPDATE responses SET request = request || ' ' WHERE key = '" + key_for(4).key + "'");
  const CacheCheck check = c.verify();
  EXPECT_EQ(check.integrity, "ok");
  EXPECT_EQ(check.rows, 5u);
  EXPECT_EQ(check.bad_rows.size(), 2u);
  EXPECT_FALSE(check.ok());
  EXPECT_THROW(c.get_generation(key_for(3).key), Error);
}

TEST(ResponseCache, DefaultPath) {
  struct Env {
    std::string name;
    std::optional<std::string> saved;
    explicit Env(std::string n) : name(std::move(n)) {
      if (const char* v = std::getenv(name.c_str())) saved = v;
    }
    ~Env() {
      if (saved)
        setenv(name.c_str(), saved->c_str(), 1);
      else
        unsetenv(name.c_str());
    }
  } a("SCEVAL_CACHE"), b("XDG_CACHE_HOME"), h("HOME");
  setenv("SCEVAL_CACHE", "/x/y.sqlite", 1);
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(default_cache_path(), "/x/y.sqlite");
  unsetenv("SCEVAL_CACHE");
  EXPECT_EQ(default_cache_path(), "/xdg/sceval/responses.sqlite");
  setenv("XDG_CACHE_HOME", "relative", 1);  // invalid per the XDG spec: ignored
  EXPECT_EQ(default_cache_path(), "/home/u/.cache/sceval/responses.sqlite");
  unsetenv("XDG_CACHE_HOME");
  setenv("SCEVAL_CACHE", "", 1);
  EXPECT_EQ(default_cache_path(), "/home/u/.cache/sceval/responses.sqlite");
  unsetenv("HOME");
  EXPECT_THROW(default_cache_path(), Error);
}

// ---- processes ----

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
