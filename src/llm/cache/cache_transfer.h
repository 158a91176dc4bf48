#pragma once
// Pooling and shipping response caches (`sceval cache merge|export|import`, docs/cache.md,
// "Pooling caches"): per-shard caches written on each node's local disk are merged into one file
// after an array job, or exported as JSONL to travel through object stores and mail.
//
// Conflict rule (the same key in both): an ok row beats an error row; between two rows of the same
// status the one created earlier wins (the first answer obtained is kept, as a re-run would have
// used it); equal times: the smaller response text. So merge(A, B) == merge(B, A), row for row.
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "common/file.h"
#include "llm/cache/response_cache.h"

namespace sceval::llm {

struct MergeStats {
  std::size_t read = 0;      // rows read from the sources
  std::size_t added = 0;     // keys the target did not hold
  std::size_t replaced = 0;  // rows replaced by a source row that wins the conflict rule
  std::size_t kept = 0;      // source rows that lost to the target's row (or equal to it) or to
                             // another source row of the same key
};

// True when `a` wins over `b` for the same key (the rule above).
bool wins_over(const CacheEntry& a, const CacheEntry& b);

// Adds every row of `source` to `target` by the conflict rule, in transactions of `chunk` rows.
MergeStats merge_into(ResponseCache& target, ResponseCache& source, std::size_t chunk = 2000);
// Merges `sources` into a new cache at `output` (refused when it exists: pass it as a source).
MergeStats merge_caches(const std::vector<std::string>& sources, const std::string& output);

// Rows copied from another file may predate the credential fix: URL credentials
// (http://user:password@host) leave the backend, the identity inside the request, the error text
// and an error row's response, and the key is recomputed from the stripped request, so it is the
// key the live path (cache_request) computes and the row is still found. Merge, import and export
// all pass rows through this; `where` names the row in errors.
CacheEntry without_credentials(CacheEntry e, const std::string& where);

// One JSON object per line, keys in order: key, kind, backend, request, response, status, error,
// created_at, elapsed, batch_size (request and response as the stored JSON text). Key order of rows.
// The stream's write errors are the caller's to check.
std::size_t export_jsonl(ResponseCache& cache, std::ostream& out);
// Written atomically: a missing folder is refused before the cache is opened.
std::size_t export_jsonl(const std::string& cache_path, const std::string& jsonl_path);
// Reads such a file (a regular file; lines of at most max_line_bytes). A bad line (not JSON, a
// field missing or of the wrong type, key != sha256(request), unknown kind or status) throws
// sceval::Error naming the file, the line and the field.
std::vector<CacheEntry> read_jsonl(const std::string& jsonl_path, std::size_t max_line_bytes = kMaxLineBytes);
// read_jsonl, then the rows into the cache at cache_path (created when missing) by the conflict
// rule. Nothing is written, and no cache file created, unless every line is good.
MergeStats import_jsonl(const std::string& jsonl_path, const std::string& cache_path,
                        std::size_t max_line_bytes = kMaxLineBytes);

}  // namespace sceval::llm
