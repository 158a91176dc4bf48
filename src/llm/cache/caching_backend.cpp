#include "llm/cache/caching_backend.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/cache/batch_store.h"

namespace sceval::llm {

namespace {

std::vector<Generation> call_inner(Backend& b, std::span<const GenerationRequest> r) { return b.generate(r); }
std::vector<OptionScores> call_inner(Backend& b, std::span<const ScoreRequest> r) { return b.score_options(r); }

std::optional<Generation> decode(const CacheEntry& e, Generation*) {
  if (e.kind != RequestKind::Generate) return std::nullopt;
  return generation_from_json(nlohmann::json::parse(e.response));
}
std::optional<OptionScores> decode(const CacheEntry& e, OptionScores*) {
  if (e.kind != RequestKind::ScoreOptions) return std::nullopt;
  return scores_from_json(nlohmann::json::parse(e.response));
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

std::vector<OptionScores> CachingBackend::score_options(std::span<const ScoreRequest> batch) {
  return run<ScoreRequest, OptionScores>(batch);
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
  const std::string id = inner_.identity();
  if (id.empty())
    throw Error("this model backend reports no identity, so its answers cannot be cached safely; use --no-cache");

  // 1-2. Keys and hits; the distinct misses in batch order.
  std::vector<CacheRequest> keys(n);
  std::vector<std::optional<Result>> out(n);
  std::vector<std::size_t> ask;                  // batch index of each distinct miss
  std::vector<std::size_t> multiplicity;         // how many batch positions each distinct miss answers
  std::vector<std::size_t> source(n, 0);         // batch position -> index into ask
  std::unordered_map<std::string, std::size_t> first;
  std::size_t done = 0;
  for (std::size_t i = 0; i < n; ++i) {
    keys[i] = cache_request(id, batch[i]);
    const std::string& key = keys[i].key;
    const bool use_cache = options_.mode == CacheMode::Use || refreshed_.contains(key);
    if (use_cache && !first.contains(key)) {
      if (auto e = cache_->lookup(key)) {
        if (e->status == CacheStatus::Ok && e->request == keys[i].canonical) {
          try {
            out[i] = decode(*e, static_cast<Result*>(nullptr));
          } catch (const std::exception&) {
            out[i].reset();  // unreadable row: ask again, the answer overwrites it
          }
        } else if (e->status == CacheStatus::Error) {
          ++stats_.retried_errors;
        }
        if (out[i]) {
          ++stats_.hits;
          ++done;
          continue;
        }
      }
    }
    auto [it, inserted] = first.emplace(key, ask.size());
    if (inserted) {
      ask.push_back(i);
      multiplicity.push_back(0);
    } else {
      ++stats_.duplicates;
    }
    ++multiplicity[it->second];
    source[i] = it->second;
  }
  if (progress_) progress_(done, n);

  // 3. The misses, chunk by chunk; each chunk committed as soon as it is answered.
  std::vector<Result> answers(ask.size());
  // A batch backend takes the whole stage's misses at once (it splits them by the provider's limits).
  const std::size_t k = options_.chunk_size == 0 || inner_.wants_whole_stage() ? ask.size() : options_.chunk_size;
  for (std::size_t start = 0; start < ask.size(); start += k) {
    const std::size_t end = std::min(ask.size(), start + k);
    const std::size_t m = end - start;
    std::vector<Request> chunk;
    chunk.reserve(m);
    for (std::size_t j = start; j < end; ++j) chunk.push_back(batch[ask[j]]);

    const auto t0 = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto stored = [&](std::size_t j) {  // j: index into ask
      if (options_.mode == CacheMode::Refresh) refreshed_.insert(keys[ask[j]].key);
      done += multiplicity[j];
    };
    std::vector<Result> results;
    if constexpr (std::is_same_v<Result, Generation>) {
      if (inner_.answers_independent_of_batch()) {
        // A remote server: each answer is committed the moment it arrives, so a kill loses only the
        // requests in flight (answers do not depend on batch composition there).
        std::vector<bool> seen(m, false);
        auto on_result = [&](std::size_t r, const Generation& g) {
          if (r >= m || seen[r]) throw Error(fmt::format("model backend {} answered request {} of {} twice", id, r, m));
          seen[r] = true;
          CacheEntry e = make_entry(keys[ask[start + r]], g, seconds(), 1);  // elapsed: chunk start to this answer
          stats_.errors += e.status == CacheStatus::Error;
          cache_->put(e);
          ++stats_.stored;
          stored(start + r);
          if (progress_) progress_(done, n);
        };
        results = inner_.generate_each(std::span<const Request>(chunk), on_result);
        ++stats_.inner_calls;
        stats_.inner_requests += m;
        if (results.size() != m)
          throw Error(fmt::format("model backend {} returned {} results for {} requests", id, results.size(), m));
        for (std::size_t r = 0; r < m; ++r)  // a backend that did not call back for some: store them now
          if (!seen[r]) on_result(r, results[r]);
        for (std::size_t j = start; j < end; ++j) answers[j] = std::move(results[j - start]);
        continue;
      }
    }
    results = call_inner(inner_, std::span<const Request>(chunk));
    const double elapsed = seconds();
    ++stats_.inner_calls;
    stats_.inner_requests += m;
    if (results.size() != m)
      throw Error(fmt::format("model backend {} returned {} results for {} requests", id, results.size(), m));

    std::vector<CacheEntry> entries;
    entries.reserve(m);
    for (std::size_t j = start; j < end; ++j) {
      entries.push_back(make_entry(keys[ask[j]], results[j - start], elapsed / static_cast<double>(m), static_cast<int>(m)));
      if (entries.back().status == CacheStatus::Error) ++stats_.errors;
    }
    cache_->put_batch(entries);
    stats_.stored += m;
    for (std::size_t j = start; j < end; ++j) {
      stored(j);
      answers[j] = std::move(results[j - start]);
    }
    if (progress_) progress_(done, n);
  }

  // 4. In batch order.
  std::vector<Result> merged;
  merged.reserve(n);
  for (std::size_t i = 0; i < n; ++i) merged.push_back(out[i] ? std::move(*out[i]) : answers[source[i]]);
  return merged;
}

}  // namespace sceval::llm
