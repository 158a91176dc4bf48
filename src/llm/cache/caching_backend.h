#pragma once
// A Backend that answers from the response cache and asks the wrapped backend only for what the
// cache does not hold. See docs/cache.md.
//
// generate() / score_options() on a batch:
//   1. key every request (llm/cache/canonical.h, with the inner backend's identity());
//   2. take every successful cached answer (error rows are misses: failed requests are asked again);
//   3. forward the distinct misses, in batch order, to the inner backend in chunks of at most
//      `chunk_size` requests; commit each chunk's answers in one transaction as soon as its call
//      returns (a kill loses at most the chunk in flight) — or, when the inner backend's answers do
//      not depend on batch composition (HTTP servers: answers_independent_of_batch()), commit each
//      answer on its own as it arrives (a kill loses only the requests in flight);
//   4. return one result per request, in order.
//
// Chunks are cut from the list of misses, so a run that was killed after k chunks and is started
// again sends the inner backend exactly the chunks the uninterrupted run would have sent after the
// k-th (same requests, same order, same batch composition) — see docs/cache.md, "Resuming".
//
// Not thread-safe (counters, refresh bookkeeping): use one CachingBackend per thread; they may share
// one ResponseCache.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

#include "llm/backend.h"
#include "llm/cache/response_cache.h"

namespace sceval::llm {

enum class CacheMode {
  Use,      // default: answer hits from the cache, ask and store misses
  Refresh,  // --refresh: ask every request again (once per CachingBackend), overwrite the stored answers
  Off,      // --no-cache: pass every batch through unchanged; no file is opened
};

struct CachingOptions {
  CacheMode mode = CacheMode::Use;
  std::string path;             // --cache FILE; empty: default_cache_path()
  std::size_t chunk_size = 64;  // --chunk K: most requests per inner call; 0 = the whole batch at once
  CacheOpenOptions open;
};

// Counters since the CachingBackend was made.
struct CacheStats {
  std::size_t requests = 0;        // requests received
  std::size_t hits = 0;            // answered from the cache
  std::size_t duplicates = 0;      // misses that repeat an earlier request of the same batch (asked once)
  std::size_t retried_errors = 0;  // misses whose stored row was an error
  std::size_t inner_calls = 0;     // calls to the inner backend
  std::size_t inner_requests = 0;  // requests sent to it
  std::size_t stored = 0;          // rows written
  std::size_t errors = 0;          // of those, errors
};

// Called after every inner call whose answers were committed: (requests answered so far in this
// batch, size of the batch). For progress bars.
using CacheProgress = std::function<void(std::size_t done, std::size_t total)>;

class CachingBackend : public Backend {
 public:
  // Opens the cache file from `options` (unless mode is Off). `inner` must outlive this object.
  CachingBackend(Backend& inner, CachingOptions options = {});
  // Shares an open cache (e.g. one file for several models of a sweep). `cache` may be null only
  // when mode is Off.
  CachingBackend(Backend& inner, std::shared_ptr<ResponseCache> cache, CachingOptions options = {});

  // The inner backend's identity: a cache in front of a model does not change its answers.
  std::string identity() const override { return inner_.identity(); }
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override;
  bool supports_scoring() const override { return inner_.supports_scoring(); }
  bool answers_independent_of_batch() const override { return inner_.answers_independent_of_batch(); }
  bool wants_whole_stage() const override { return inner_.wants_whole_stage(); }
  // When the inner backend throws for a chunk, the chunks before it stay stored and the exception
  // propagates (a score has no error field, so nothing is stored for the failed chunk).
  std::vector<OptionScores> score_options(std::span<const LabelScoreRequest> batch) override;

  void set_progress(CacheProgress p) { progress_ = std::move(p); }
  const CacheStats& stats() const { return stats_; }
  const CachingOptions& options() const { return options_; }
  ResponseCache* cache() const { return cache_.get(); }  // null when mode is Off

 private:
  struct Plan;  // one batch: keys, cache hits, distinct misses (caching_backend.cpp)
  template <class Request, class Result>
  std::vector<Result> run(std::span<const Request> batch);
  template <class Request, class Result>
  Plan plan(std::span<const Request> batch, std::vector<std::optional<Result>>& hits);
  // The one commit path: stores the answers of misses first..first+results.size()-1 in one
  // transaction, counts them and reports progress.
  template <class Result>
  void commit(Plan& p, std::size_t first, std::span<const Result> results, double elapsed_each, int batch_size);

  Backend& inner_;
  CachingOptions options_;
  std::shared_ptr<ResponseCache> cache_;
  CacheStats stats_;
  CacheProgress progress_;
  std::unordered_set<std::string> refreshed_;  // keys already re-asked in Refresh mode
};

}  // namespace sceval::llm
