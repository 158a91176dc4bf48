#include "llm/cache/batch_store.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/cache/canonical.h"
#include "llm/cache/sqlite_transaction.h"

namespace sceval::llm {

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS batches (
  backend      TEXT NOT NULL,               -- Backend::identity()
  id           TEXT NOT NULL,               -- the provider's batch id
  provider     TEXT NOT NULL,
  attempt      INTEGER NOT NULL,            -- 1 = first submission of its requests
  state        TEXT NOT NULL,               -- last status the provider reported
  submitted_at TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  collected    INTEGER NOT NULL DEFAULT 0,  -- 1: its results are in the responses table
  PRIMARY KEY (backend, id)
);
CREATE TABLE IF NOT EXISTS batch_requests (
  backend  TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  key      TEXT NOT NULL,
  PRIMARY KEY (backend, batch_id, key)
);
)sql";

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

}  // namespace

struct BatchStore::Impl {
  sqlite3* db = nullptr;
  std::string path;

  ~Impl() {
    if (db) sqlite3_close_v2(db);
  }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db);
      sqlite3_free(err);
      throw Error(fmt::format("{}: {} (batch table)", path, msg));
    }
  }
  // Runs `sql` with text parameters; calls row(stmt) for each result row.
  template <class Row>
  void query(const char* sql, std::initializer_list<std::string_view> params, Row&& row) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
      throw Error(fmt::format("{}: {} (batch table)", path, sqlite3_errmsg(db)));
    int i = 1;
    for (auto p : params) sqlite3_bind_text(s, i++, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw Error(fmt::format("{}: {} (batch table)", path, sqlite3_errstr(rc)));
  }
  void run(const char* sql, std::initializer_list<std::string_view> params) {
    query(sql, params, [](sqlite3_stmt*) {});
  }
  template <class F>
  void transaction(F&& f) {
    write_transaction(
        db, [this](const char* sql) { exec(sql); }, f);
  }
  static std::string text(sqlite3_stmt* s, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, col))) : std::string();
  }
  std::vector<JournalBatch> batches(const char* where, std::initializer_list<std::string_view> params) {
    std::vector<JournalBatch> out;
    std::vector<std::string> backends;
    query(
        fmt::format("SELECT id, provider, attempt, state, backend FROM batches {} ORDER BY submitted_at, rowid", where)
            .c_str(),
        params, [&](sqlite3_stmt* s) {
          out.push_back(JournalBatch{text(s, 0), text(s, 1), sqlite3_column_int(s, 2), text(s, 3), {}});
          backends.push_back(text(s, 4));
        });
    for (std::size_t i = 0; i < out.size(); ++i)
      query("SELECT key FROM batch_requests WHERE backend = ?1 AND batch_id = ?2 ORDER BY rowid",
            {backends[i], out[i].id}, [&](sqlite3_stmt* s) { out[i].keys.push_back(text(s, 0)); });
    return out;
  }
};

BatchStore::BatchStore(const std::string& path, int busy_timeout_ms) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl_->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
    throw Error(fmt::format("{}: cannot open the response cache for the batch table: {}", path,
                            impl_->db ? sqlite3_errmsg(impl_->db) : "out of memory"));
  sqlite3_busy_timeout(impl_->db, busy_timeout_ms);
  impl_->exec("PRAGMA synchronous=NORMAL");
  impl_->transaction([&] { impl_->exec(kTables); });
}

BatchStore::~BatchStore() = default;

std::string BatchStore::key(const std::string& identity, const GenerationRequest& request) {
  return cache_request(identity, request).key;
}

void BatchStore::record(const std::string& identity, const JournalBatch& b) {
  std::lock_guard lock(mutex_);
  const std::string now = now_utc(), attempt = std::to_string(b.attempt);
  impl_->transaction([&] {
    impl_->run(
        "INSERT OR REPLACE INTO batches (backend, id, provider, attempt, state, submitted_at, updated_at, collected) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 0)",
        {identity, b.id, b.provider, attempt, b.state, now});
    for (const auto& k : b.keys)
      impl_->run("INSERT OR IGNORE INTO batch_requests (backend, batch_id, key) VALUES (?1, ?2, ?3)",
                 {identity, b.id, k});
  });
}

void BatchStore::set_state(const std::string& identity, const std::string& id, const std::string& state) {
  std::lock_guard lock(mutex_);
  impl_->run("UPDATE batches SET state = ?3, updated_at = ?4 WHERE backend = ?1 AND id = ?2",
             {identity, id, state, now_utc()});
}

void BatchStore::collected(const std::string& identity, const std::string& id) {
  std::lock_guard lock(mutex_);
  impl_->run("UPDATE batches SET collected = 1, updated_at = ?3 WHERE backend = ?1 AND id = ?2",
             {identity, id, now_utc()});
}

std::vector<JournalBatch> BatchStore::open_batches(const std::string& identity) {
  std::lock_guard lock(mutex_);
  return impl_->batches("WHERE backend = ?1 AND collected = 0", {identity});
}

std::vector<JournalBatch> BatchStore::all_batches() {
  std::lock_guard lock(mutex_);
  return impl_->batches("", {});
}

}  // namespace sceval::llm
