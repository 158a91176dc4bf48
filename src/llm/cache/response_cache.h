#pragma once
// The response cache: one SQLite file, one row per model request, keyed by the hex SHA-256 of the
// request's canonical JSON (llm/cache/canonical.h). Schema, guarantees and flags: docs/cache.md.
//
// The file is opened in WAL mode with synchronous=NORMAL and a busy timeout, so several processes
// (a sweep sharded over shells, a second `sceval run` on the same cache) can read and write it at
// once. Every put() is its own transaction and put_batch() is one transaction for all its rows:
// a row is on disk the moment the call returns, and a killed process (SIGKILL, OOM) loses nothing
// that was committed. (synchronous=NORMAL: a power cut may roll back the last commits, never
// corrupt the file.)
//
// A ResponseCache holds one SQLite connection and may be shared by threads (calls are serialised);
// it must not be carried across fork() — open a new one in the child.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llm/backend.h"
#include "llm/cache/canonical.h"

namespace sceval::llm {

// The file format version (PRAGMA user_version). A file from a newer sceval is refused.
inline constexpr int kCacheSchemaVersion = 1;

enum class CacheStatus { Ok, Error };

// One row, as stored.
struct CacheEntry {
  std::string key;  // hex SHA-256 of `request`
  RequestKind kind = RequestKind::Generate;
  std::string backend;   // Backend::identity()
  std::string request;   // canonical request JSON
  std::string response;  // response JSON (Generation or OptionScores); for errors, whatever was returned
  CacheStatus status = CacheStatus::Ok;
  std::string error;       // status == Error: what went wrong
  std::string created_at;  // UTC, ISO 8601 with milliseconds: 2025-01-31T12:00:00.123Z
  double elapsed = 0;      // seconds of model time, amortised over the requests of one backend call
  int batch_size = 1;      // requests in that backend call
};

// A row to write. Build it with make_entry() from the request and the answer.
CacheEntry make_entry(const CacheRequest& request, const Generation& g, double elapsed = 0, int batch_size = 1);
CacheEntry make_entry(const CacheRequest& request, const OptionScores& s, double elapsed = 0, int batch_size = 1);
// A failed request (e.g. score_options threw): stored as an error with this message.
CacheEntry make_error_entry(const CacheRequest& request, std::string error, double elapsed = 0, int batch_size = 1);

struct CacheOpenOptions {
  int busy_timeout_ms = 60000;  // how long a writer waits for another process's transaction
  bool read_only = false;       // open an existing file without writing to it
};

// What verify() found.
struct CacheCheck {
  std::string integrity;  // PRAGMA integrity_check: "ok" when the file is sound
  std::size_t rows = 0;
  std::vector<std::string> bad_rows;  // "key: what is wrong" (key != sha256(request), unreadable JSON…)
  bool ok() const { return integrity == "ok" && bad_rows.empty(); }
};

class ResponseCache {
 public:
  // Opens (creating the file and its parent folders unless read_only) and migrates the schema.
  // Throws sceval::Error naming the path when it cannot be opened, is not an SQLite file, or was
  // written by a newer sceval.
  explicit ResponseCache(std::string path, CacheOpenOptions options = {});
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  const std::string& path() const { return path_; }

  // The row of a key, whatever its status; nullopt when there is none.
  std::optional<CacheEntry> lookup(std::string_view key);
  // Answers of successful rows only: an error row is a miss, so the next run asks again.
  // Throw sceval::Error when the row's kind does not match or its response is unreadable.
  std::optional<Generation> get_generation(std::string_view key);
  std::optional<OptionScores> get_scores(std::string_view key);

  // Insert or replace. An error never replaces a successful answer already stored (a transient
  // failure must not lose a good answer); anything else replaces what was there.
  void put(const CacheEntry& e);                  // one transaction
  void put_batch(std::span<const CacheEntry> e);  // one transaction for all

  std::size_t size();  // rows, of any status
  std::size_t count(CacheStatus status);
  // Every row in key order (for samples.jsonl exports and debugging). Do not call the cache from f.
  void for_each(const std::function<void(const CacheEntry&)>& f);
  // PRAGMA integrity_check, plus every row read back: key == sha256(request), request and response
  // parse, an ok row's response decodes as its kind.
  CacheCheck verify();
  // Deletes error rows; returns how many.
  std::size_t delete_errors();

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
  std::mutex mutex_;
};

// $SCEVAL_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/sceval/responses.sqlite. Throws sceval::Error
// when none of these variables is set.
std::string default_cache_path();

}  // namespace sceval::llm
