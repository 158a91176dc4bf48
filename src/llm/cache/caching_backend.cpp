#include "llm/cache/caching_backend.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "common/error.h"
#include "common/json_bounded.h"
#include "llm/cache/batch_store.h"

namespace sceval::llm {

namespace {

const JsonLimits kRowLimits{.max_depth = 256, .allow_duplicate_keys = false, .int64_only = false};

std::vector<Generation> call_inner(Backend& b, std::span<const GenerationRequest> r) { return b.generate(r); }
std::vector<OptionScores> call_inner(Backend& b, std::span<const LabelScoreRequest> r) { return b.score_options(r); }

std::optional<Generation> decode(const CacheEntry& e, Generation*) {
  if (e.kind != RequestKind::Generate) return std::nullopt;
  return generation_from_json(parse_json_bounded(e.response, "cache row " + e.key, kRowLimits));
}
std::optional<OptionScores> decode(const CacheEntry& e, OptionScores*) {
  if (e.kind != RequestKind::ScoreOptions) return std::nullopt;
  return scores_from_json(parse_json_bounded(e.response, "cache row " + e.key, kRowLimits));
}

std::shared_ptr<ResponseCache> open_cache(const CachingOptions& o) {
  if (o.mode == CacheMode::Off) return nullptr;
  return std::make_shared<ResponseCache>(o.path.empty() ? default_cache_path() : o.path, o.open);
}

}  // namespace

CachingBackend::CachingBackend(Backend& inner, CachingOptions options)
    : CachingBackend(inner, open_cache(options), options) {}

CachingBackend::CachingBackend(Backend& inner, std::shared_ptr<ResponseCache> cache, CachingOptions options)
    : inner_(inner), options_(std::move(options)), cache_(std::move(cache)) {
  if (options_.mode != CacheMode::Off && !cache_) throw Error("CachingBackend: no response cache given");
  if (cache_) options_.path = cache_->path();
  // A provider batch backend records its batches beside the answers, so a killed run resumes them.
  if (cache_ && inner_.wants_whole_stage()) inner_.set_batch_journal(std::make_shared<BatchStore>(cache_->path()));
}

std::vector<Generation> CachingBackend::generate(std::span<const GenerationRequest> batch) {
  return run<GenerationRequest, Generation>(batch);
}

std::vector<OptionScores> CachingBackend::score_options(std::span<const LabelScoreRequest> batch) {
  return run<LabelScoreRequest, OptionScores>(batch);
}

struct CachingBackend::Plan {
  std::string id;                         // the inner backend's identity
  std::size_t n = 0;                      // batch size
  std::vector<CacheRequest> keys;         // per batch position
  std::vector<std::size_t> ask;           // batch index of each distinct miss
  std::vector<std::size_t> multiplicity;  // how many batch positions each distinct miss answers
  std::vector<std::size_t> source;        // batch position -> index into ask
  std::size_t done = 0;                   // positions answered so far (for progress)
};

// 1-2. Keys and hits; the distinct misses in batch order.
template <class Request, class Result>
CachingBackend::Plan CachingBackend::plan(std::span<const Request> batch, std::vector<std::optional<Result>>& hits) {
  Plan p;
  p.id = inner_.identity();
  if (p.id.empty())
    throw Error("this model backend reports no identity, so its answers cannot be cached safely; use --no-cache");
  p.n = batch.size();
  p.keys.resize(p.n);
  p.source.assign(p.n, 0);
  hits.assign(p.n, std::nullopt);
  std::unordered_map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < p.n; ++i) {
    p.keys[i] = cache_request(p.id, batch[i]);
    const std::string& key = p.keys[i].key;
    const bool use_cache = options_.mode == CacheMode::Use || refreshed_.contains(key);
    if (use_cache && !first.contains(key)) {
      if (auto e = cache_->lookup(key)) {
        if (e->status == CacheStatus::Ok && e->request == p.keys[i].canonical) {
          try {
            hits[i] = decode(*e, static_cast<Result*>(nullptr));
          } catch (const std::exception&) {
            hits[i].reset();  // unreadable row: ask again, the answer overwrites it
          }
        } else if (e->status == CacheStatus::Error) {
          ++stats_.retried_errors;
        }
        if (hits[i]) {
          ++stats_.hits;
          ++p.done;
          continue;
        }
      }
    }
    auto [it, inserted] = first.emplace(key, p.ask.size());
    if (inserted) {
      p.ask.push_back(i);
      p.multiplicity.push_back(0);
    } else {
      ++stats_.duplicates;
    }
    ++p.multiplicity[it->second];
    p.source[i] = it->second;
  }
  return p;
}

template <class Result>
void CachingBackend::commit(Plan& p, std::size_t first, std::span<const Result> results, double elapsed_each,
                            int batch_size) {
  std::vector<CacheEntry> entries;
  entries.reserve(results.size());
  for (std::size_t r = 0; r < results.size(); ++r) {
    entries.push_back(make_entry(p.keys[p.ask[first + r]], results[r], elapsed_each, batch_size));
    stats_.errors += entries.back().status == CacheStatus::Error;
  }
  cache_->put_batch(entries);
  stats_.stored += results.size();
  for (std::size_t r = 0; r < results.size(); ++r) {
    if (options_.mode == CacheMode::Refresh) refreshed_.insert(p.keys[p.ask[first + r]].key);
    p.done += p.multiplicity[first + r];
  }
  if (progress_) progress_(p.done, p.n);
}

template <class Request, class Result>
std::vector<Result> CachingBackend::run(std::span<const Request> batch) {
  const std::size_t n = batch.size();
  stats_.requests += n;
  if (options_.mode == CacheMode::Off) {
    ++stats_.inner_calls;
    stats_.inner_requests += n;
    auto out = call_inner(inner_, batch);
    if (progress_) progress_(n, n);
    return out;
  }
  if (n == 0) return {};
  std::vector<std::optional<Result>> out;
  Plan p = plan<Request, Result>(batch, out);
  if (progress_) progress_(p.done, n);

  // 3. The misses, chunk by chunk; each answer (or chunk) committed as soon as it is known.
  std::vector<Result> answers(p.ask.size());
  // A batch backend takes the whole stage's misses at once (it splits them by the provider's limits).
  const std::size_t k = options_.chunk_size == 0 || inner_.wants_whole_stage() ? p.ask.size() : options_.chunk_size;
  for (std::size_t start = 0; start < p.ask.size(); start += k) {
    const std::size_t end = std::min(p.ask.size(), start + k);
    const std::size_t m = end - start;
    std::vector<Request> chunk;
    chunk.reserve(m);
    for (std::size_t j = start; j < end; ++j) chunk.push_back(batch[p.ask[j]]);

    const auto t0 = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    std::vector<Result> results;
    // A remote server's answers do not depend on batch composition: each is committed the moment it
    // arrives, so a kill loses only the requests in flight. Otherwise the chunk is one transaction.
    bool committed_each = false;
    if constexpr (std::is_same_v<Result, Generation>) {
      if (inner_.answers_independent_of_batch()) {
        committed_each = true;
        std::vector<bool> seen(m, false);
        auto on_result = [&](std::size_t r, const Generation& g) {
          if (r >= m || seen[r])
            throw Error(fmt::format("model backend {} answered request {} of {} twice", p.id, r, m));
          seen[r] = true;
          commit<Generation>(p, start + r, std::span<const Generation>(&g, 1), seconds(), 1);
        };
        results = inner_.generate_each(std::span<const Request>(chunk), on_result);
        if (results.size() == m)
          for (std::size_t r = 0; r < m; ++r)  // a backend that did not call back for some: store them now
            if (!seen[r]) on_result(r, results[r]);
      }
    }
    if (!committed_each) results = call_inner(inner_, std::span<const Request>(chunk));
    ++stats_.inner_calls;
    stats_.inner_requests += m;
    if (results.size() != m)
      throw Error(fmt::format("model backend {} returned {} results for {} requests", p.id, results.size(), m));
    if (!committed_each)
      commit<Result>(p, start, std::span<const Result>(results), seconds() / static_cast<double>(m),
                     static_cast<int>(m));
    for (std::size_t j = start; j < end; ++j) answers[j] = std::move(results[j - start]);
  }

  // 4. In batch order.
  std::vector<Result> merged;
  merged.reserve(n);
  for (std::size_t i = 0; i < n; ++i) merged.push_back(out[i] ? std::move(*out[i]) : answers[p.source[i]]);
  return merged;
}

}  // namespace sceval::llm
