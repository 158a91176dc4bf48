// The SQLite response cache: rows, errors, schema checks, read-only use, verify, the default path
// (real processes, two writers and a SIGKILL: store_processes_test.cpp).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "llm/cache/cache_rows.h"
#include "llm/cache/response_cache.h"
#include "scratch_dir.h"

namespace sceval::llm {
namespace {

using cache_testing::intact;
using cache_testing::key_for;
using cache_testing::row;
using testing::ScratchDir;

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

}  // namespace
}  // namespace sceval::llm
