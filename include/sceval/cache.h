#pragma once
// Pooling and shipping response caches (docs/cache.md, "Clusters"): per-shard caches written on
// each node's local disk are merged after an array job, or exported as JSONL and imported elsewhere.
// The same key in two places: an ok answer beats an error, then the earlier answer wins.
#include <cstddef>
#include <string>
#include <vector>

namespace sceval {

struct CacheMergeStats {
  std::size_t read = 0;      // rows read
  std::size_t added = 0;     // keys the target did not hold
  std::size_t replaced = 0;  // rows replaced by a winning row
  std::size_t kept = 0;      // rows that lost to the target's row
};

// A new cache at `output` (refused when it exists) holding the union of `sources`.
CacheMergeStats merge_caches(const std::vector<std::string>& sources, const std::string& output);
// Every row of `cache` as one JSON line, in key order; returns the number of rows.
std::size_t export_cache(const std::string& cache, const std::string& jsonl);
// Adds the rows of an export to `cache` (created when missing). A bad line throws sceval::Error
// naming file, line and field, and nothing is written.
CacheMergeStats import_cache(const std::string& jsonl, const std::string& cache);

}  // namespace sceval
