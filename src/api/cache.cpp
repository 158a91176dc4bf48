#include "sceval/cache.h"

#include "llm/cache/cache_transfer.h"

namespace sceval {

namespace {
CacheMergeStats stats(const llm::MergeStats& s) { return {s.read, s.added, s.replaced, s.kept}; }
}  // namespace

CacheMergeStats merge_caches(const std::vector<std::string>& sources, const std::string& output) {
  return stats(llm::merge_caches(sources, output));
}

std::size_t export_cache(const std::string& cache, const std::string& jsonl) { return llm::export_jsonl(cache, jsonl); }

CacheMergeStats import_cache(const std::string& jsonl, const std::string& cache) {
  return stats(llm::import_jsonl(jsonl, cache));
}

}  // namespace sceval
