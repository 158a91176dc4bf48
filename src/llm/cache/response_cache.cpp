#include "llm/cache/response_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "common/sha256.h"
#include "llm/cache/sqlite_transaction.h"

namespace sceval::llm {

using nlohmann::json;

// A named namespace, not an anonymous one: ResponseCache::Impl (declared in the header) holds Stmt
// members, which gcc flags (-Wsubobject-linkage) when this file is part of a unity build.
namespace cache_detail {

// PRAGMA application_id of a sceval cache ("scev"): tells our file from another program's database.
constexpr int kApplicationId = 0x73636576;

constexpr const char* kSchema = R"sql(
CREATE TABLE responses (
  key        TEXT PRIMARY KEY NOT NULL,   -- hex sha256 of request
  kind       TEXT NOT NULL CHECK (kind IN ('generate', 'score_options')),
  backend    TEXT NOT NULL,               -- Backend::identity()
  request    TEXT NOT NULL,               -- canonical request JSON
  response   TEXT NOT NULL,               -- Generation / OptionScores JSON
  status     TEXT NOT NULL CHECK (status IN ('ok', 'error')),
  error      TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,               -- UTC, ISO 8601
  elapsed    REAL NOT NULL DEFAULT 0,     -- seconds, amortised over the backend call
  batch_size INTEGER NOT NULL DEFAULT 1   -- requests in that backend call
);
CREATE INDEX responses_backend ON responses(backend);
)sql";

constexpr const char* kColumns =
    "key, kind, backend, request, response, status, error, created_at, elapsed, batch_size";

std::string now_iso8601() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
}

// Cache rows hold sceval's own JSON: seeds may be uint64, model text may nest deeply inside strings only.
const JsonLimits kCacheRowLimits{.max_depth = 256, .allow_duplicate_keys = false, .int64_only = false};

std::string_view status_text(CacheStatus s) { return s == CacheStatus::Ok ? "ok" : "error"; }

// SQLite's message, plus what to do when the file itself is damaged ("database disk image is
// malformed" alone leaves a user stuck).
std::string sqlite_failure(sqlite3* db, std::string msg, int rc = -1) {
  const int code = rc >= 0 ? (rc & 0xff) : db ? (sqlite3_extended_errcode(db) & 0xff) : SQLITE_OK;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    msg +=
        "; the cache file is damaged: run with --no-cache, or point --cache at a new file (a damaged row alone: "
        "--refresh asks again and overwrites it)";
  return msg;
}

// A prepared statement, reset after every use.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw Error(fmt::format("{}: cannot prepare '{}': {}", path, sql, sqlite_failure(db, sqlite3_errmsg(db))));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void bind(int i, std::string_view v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
  }
  void bind(int i, double v) { check(sqlite3_bind_double(s_, i, v)); }
  void bind(int i, int v) { check(sqlite3_bind_int(s_, i, v)); }
  // true: a row is available; false: done.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const std::string msg = sqlite_failure(db_, sqlite3_errmsg(db_));
    sqlite3_reset(s_);
    throw Error(fmt::format("{}: {} (while running: {})", path_, msg, sqlite3_sql(s_)));
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  double real(int col) const { return sqlite3_column_double(s_, col); }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw Error(fmt::format("{}: {}", path_, sqlite_failure(db_, sqlite3_errmsg(db_))));
  }
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* s_ = nullptr;
};

// Resets a statement when leaving a scope, also on exceptions.
struct ResetGuard {
  Stmt& s;
  ~ResetGuard() { s.reset(); }
};

CacheEntry row_to_entry(const Stmt& s) {
  CacheEntry e;
  e.key = s.text(0);
  e.kind = request_kind_from_string(s.text(1));
  e.backend = s.text(2);
  e.request = s.text(3);
  e.response = s.text(4);
  e.status = s.text(5) == "ok" ? CacheStatus::Ok : CacheStatus::Error;
  e.error = s.text(6);
  e.created_at = s.text(7);
  e.elapsed = s.real(8);
  e.batch_size = static_cast<int>(s.integer(9));
  return e;
}

CacheEntry base_entry(const CacheRequest& r, double elapsed, int batch_size) {
  CacheEntry e;
  e.key = r.key;
  e.kind = r.kind;
  e.backend = r.identity;
  e.request = r.canonical;
  e.created_at = now_iso8601();
  e.elapsed = elapsed;
  e.batch_size = batch_size;
  return e;
}

}  // namespace cache_detail
using namespace cache_detail;

CacheEntry make_entry(const CacheRequest& r, const Generation& g, double elapsed, int batch_size) {
  if (r.kind != RequestKind::Generate) throw Error("make_entry: a Generation for a score_options request");
  CacheEntry e = base_entry(r, elapsed, batch_size);
  e.response = generation_to_json(g).dump();
  if (g.finish == FinishReason::Error) {
    e.status = CacheStatus::Error;
    e.error = g.error.empty() ? "error (no message)" : g.error;
  }
  return e;
}

CacheEntry make_entry(const CacheRequest& r, const OptionScores& s, double elapsed, int batch_size) {
  if (r.kind != RequestKind::ScoreOptions) throw Error("make_entry: OptionScores for a generate request");
  CacheEntry e = base_entry(r, elapsed, batch_size);
  e.response = scores_to_json(s).dump();
  return e;
}

CacheEntry make_error_entry(const CacheRequest& r, std::string error, double elapsed, int batch_size) {
  CacheEntry e = base_entry(r, elapsed, batch_size);
  e.response = "null";
  e.status = CacheStatus::Error;
  e.error = error.empty() ? "error (no message)" : std::move(error);
  return e;
}

struct ResponseCache::Impl {
  sqlite3* db = nullptr;
  std::string path;
  std::unique_ptr<Stmt> get, put;

  ~Impl() {
    get.reset();
    put.reset();
    if (db) sqlite3_close_v2(db);
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = sqlite_failure(db, err ? err : sqlite3_errmsg(db));
      sqlite3_free(err);
      throw Error(fmt::format("{}: {} (while running: {})", path, msg, sql));
    }
  }

  // The first column of the first row of a query, as text.
  std::string scalar(const char* sql) {
    Stmt s(db, path, sql);
    return s.step() ? s.text(0) : std::string();
  }

  // PRAGMA journal_mode=WAL. Switching needs a moment of exclusive access, and SQLite reports
  // SQLITE_BUSY for it at once instead of calling the busy handler (two processes creating the same
  // file at the same moment), so retry here within the busy timeout. Returns the resulting mode.
  std::string set_wal(int busy_timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (int attempt = 0;; ++attempt) {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &s, nullptr);
      std::string mode;
      if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
          mode = p ? p : "";
          rc = SQLITE_OK;
        }
      }
      sqlite3_finalize(s);
      if (rc == SQLITE_OK) return mode;
      const int primary = rc & 0xff;
      if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= deadline)
        throw Error(fmt::format("{}: cannot switch to write-ahead logging: {}", path,
                                sqlite_failure(db, sqlite3_errstr(rc), rc)));
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 + attempt, 50)));
    }
  }

  template <class F>
  void write_transaction(F&& f) {  // sqlite_transaction.h
    llm::write_transaction(
        db, [this](const char* sql) { exec(sql); }, f);
  }

  void bind_and_put(const CacheEntry& e) {
    ResetGuard g{*put};
    put->bind(1, e.key);
    put->bind(2, to_string(e.kind));
    put->bind(3, e.backend);
    put->bind(4, e.request);
    put->bind(5, e.response);
    put->bind(6, status_text(e.status));
    put->bind(7, e.error);
    const std::string created = e.created_at.empty() ? now_iso8601() : e.created_at;
    put->bind(8, created);
    put->bind(9, e.elapsed);
    put->bind(10, e.batch_size);
    put->step();
  }
};

ResponseCache::ResponseCache(std::string path, CacheOpenOptions options)
    : path_(std::move(path)), impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.path = path_;
  if (path_.empty()) throw Error("response cache: empty path");
  // SQLite would block on a FIFO and write a "-journal" file beside a device (/dev/zero-journal).
  if (path_exists(path_)) require_regular_file(path_, "response cache (a SQLite file)");
  if (!options.read_only) {
    const auto parent = std::filesystem::path(path_).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) throw Error(fmt::format("{}: cannot create the folder {}: {}", path_, parent.string(), ec.message()));
  }
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &d.db, flags, nullptr) != SQLITE_OK) {
    const std::string msg = d.db ? sqlite_failure(d.db, sqlite3_errmsg(d.db)) : "out of memory";
    throw Error(fmt::format("{}: cannot open the response cache: {}", path_, msg));
  }
  sqlite3_extended_result_codes(d.db, 1);
  sqlite3_busy_timeout(d.db, options.busy_timeout_ms);

  try {
    if (!options.read_only) {
      const std::string mode = d.set_wal(options.busy_timeout_ms);
      if (mode != "wal")
        throw Error(
            fmt::format("{}: cannot use write-ahead logging (journal mode stays '{}'); "
                        "put the cache on a local filesystem",
                        path_, mode));
    }
    d.exec("PRAGMA synchronous=NORMAL");

    const auto check_version = [&] {
      const int app = std::stoi(d.scalar("PRAGMA application_id"));
      const int version = std::stoi(d.scalar("PRAGMA user_version"));
      if (app != 0 && app != kApplicationId)
        throw Error(fmt::format("{}: this SQLite file is not an sceval response cache", path_));
      if (version > kCacheSchemaVersion)
        throw Error(
            fmt::format("{}: response cache format {} is newer than this sceval understands ({}); "
                        "upgrade sceval or use another --cache file",
                        path_, version, kCacheSchemaVersion));
      return version;
    };
    if (options.read_only) {
      if (check_version() == 0) throw Error(fmt::format("{}: not an sceval response cache (no schema)", path_));
    } else {
      d.write_transaction([&] {
        if (check_version() != 0) return;
        if (d.scalar("SELECT count(*) FROM sqlite_schema") != "0")
          throw Error(fmt::format("{}: this SQLite file is not an sceval response cache", path_));
        d.exec(kSchema);
        d.exec(fmt::format("PRAGMA application_id={}", kApplicationId).c_str());
        d.exec(fmt::format("PRAGMA user_version={}", kCacheSchemaVersion).c_str());
      });
    }
    d.get =
        std::make_unique<Stmt>(d.db, d.path, fmt::format("SELECT {} FROM responses WHERE key = ?1", kColumns).c_str());
    if (!options.read_only)
      d.put = std::make_unique<Stmt>(
          d.db, d.path,
          fmt::format("INSERT INTO responses ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                      "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, backend = excluded.backend, "
                      "request = excluded.request, response = excluded.response, status = excluded.status, "
                      "error = excluded.error, created_at = excluded.created_at, elapsed = excluded.elapsed, "
                      "batch_size = excluded.batch_size "
                      "WHERE excluded.status = 'ok' OR responses.status = 'error'",
                      kColumns)
              .c_str());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}", path_, e.what()));
  }
}

ResponseCache::~ResponseCache() = default;

std::optional<CacheEntry> ResponseCache::lookup(std::string_view key) {
  std::lock_guard lock(mutex_);
  Stmt& s = *impl_->get;
  ResetGuard g{s};
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return row_to_entry(s);
}

namespace {
template <class T, class Decode>
std::optional<T> get_ok(ResponseCache& c, std::string_view key, RequestKind kind, Decode decode) {
  auto e = c.lookup(key);
  if (!e || e->status != CacheStatus::Ok) return std::nullopt;
  if (e->kind != kind)
    throw Error(fmt::format("{}: entry {} is a {} answer, not {}", c.path(), key, to_string(e->kind), to_string(kind)));
  try {
    return decode(parse_json_bounded(e->response, fmt::format("{}: entry {}", c.path(), key), kCacheRowLimits));
  } catch (const std::exception& ex) {
    throw Error(fmt::format("{}: entry {} cannot be read: {}", c.path(), key, ex.what()));
  }
}
}  // namespace

std::optional<Generation> ResponseCache::get_generation(std::string_view key) {
  return get_ok<Generation>(*this, key, RequestKind::Generate, generation_from_json);
}

std::optional<OptionScores> ResponseCache::get_scores(std::string_view key) {
  return get_ok<OptionScores>(*this, key, RequestKind::ScoreOptions, scores_from_json);
}

void ResponseCache::put(const CacheEntry& e) { put_batch(std::span<const CacheEntry>(&e, 1)); }

void ResponseCache::put_batch(std::span<const CacheEntry> entries) {
  if (entries.empty()) return;
  std::lock_guard lock(mutex_);
  if (!impl_->put) throw Error(fmt::format("{}: the response cache was opened read-only", path_));
  impl_->write_transaction([&] {
    for (const auto& e : entries) impl_->bind_and_put(e);
  });
}

std::size_t ResponseCache::size() {
  std::lock_guard lock(mutex_);
  return std::stoull(impl_->scalar("SELECT count(*) FROM responses"));
}

std::size_t ResponseCache::count(CacheStatus status) {
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db, path_, "SELECT count(*) FROM responses WHERE status = ?1");
  s.bind(1, status_text(status));
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

void ResponseCache::for_each(const std::function<void(const CacheEntry&)>& f) {
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db, path_, fmt::format("SELECT {} FROM responses ORDER BY key", kColumns).c_str());
  while (s.step()) f(row_to_entry(s));
}

CacheCheck ResponseCache::verify() {
  CacheCheck c;
  {
    std::lock_guard lock(mutex_);
    Stmt s(impl_->db, path_, "PRAGMA integrity_check");
    while (s.step()) {
      if (!c.integrity.empty()) c.integrity += '\n';
      c.integrity += s.text(0);
    }
  }
  for_each([&](const CacheEntry& e) {
    ++c.rows;
    auto bad = [&](const std::string& what) { c.bad_rows.push_back(e.key + ": " + what); };
    if (sha256_hex(e.request) != e.key) return bad("key is not the sha256 of the request");
    try {
      const json req = parse_json_bounded(e.request, "request", kCacheRowLimits);
      if (canonical_dump(req) != e.request) return bad("request is not in canonical form");
      if (req.value("kind", std::string()) != to_string(e.kind)) return bad("kind differs from the request's");
      const json resp = parse_json_bounded(e.response, "response", kCacheRowLimits);
      if (e.status == CacheStatus::Ok) {
        if (e.kind == RequestKind::Generate)
          generation_from_json(resp);
        else
          scores_from_json(resp);
      }
    } catch (const std::exception& ex) {
      bad(ex.what());
    }
  });
  return c;
}

std::size_t ResponseCache::delete_errors() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  impl_->write_transaction([&] {
    impl_->exec("DELETE FROM responses WHERE status = 'error'");
    n = static_cast<std::size_t>(sqlite3_changes(impl_->db));
  });
  return n;
}

std::string default_cache_path() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (auto p = env("SCEVAL_CACHE"); !p.empty()) return p;
  // XDG: a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (auto x = env("XDG_CACHE_HOME"); !x.empty() && x.front() == '/') return x + "/sceval/responses.sqlite";
  if (auto h = env("HOME"); !h.empty()) return h + "/.cache/sceval/responses.sqlite";
  throw Error("no response cache path: set SCEVAL_CACHE (or XDG_CACHE_HOME or HOME), pass --cache FILE, or --no-cache");
}

}  // namespace sceval::llm
