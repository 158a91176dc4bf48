#pragma once
// The stand-in model backend of the CachingBackend tests: answers are a function of the request, and
// every call is recorded; with the requests and options those tests build.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/cache/caching_backend.h"

namespace sceval::llm::cache_testing {

// The inner backend: answers are a function of the request (and `version`), every call is recorded.
class CountingBackend : public Backend {
 public:
  std::string id = "counting:1";
  int version = 1;
  std::set<std::string> fail_once;  // prompts that fail the first time they are asked
  std::set<std::string> throw_on;   // prompts whose score_options call throws
  int sleep_ms_per_call = 0;
  std::vector<std::vector<std::string>> calls;  // prompts of each call
  std::map<std::string, int> asked;

  std::string identity() const override { return id; }
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override {
    record(batch);
    std::vector<Generation> out;
    for (const auto& r : batch) {
      const std::string& p = r.messages.back().content;
      Generation g;
      if (fail_once.contains(p) && asked[p] == 1) {
        g.finish = FinishReason::Error;
        g.error = "server said 503 for " + p;
      } else {
        g.text = answer(p, r.sampling.seed);
        g.completion_tokens = static_cast<int>(p.size());
      }
      out.push_back(std::move(g));
    }
    return out;
  }
  bool supports_scoring() const override { return true; }
  std::vector<OptionScores> score_options(std::span<const LabelScoreRequest> batch) override {
    record(batch);
    std::vector<OptionScores> out;
    for (const auto& r : batch) {
      if (throw_on.contains(r.messages.back().content)) throw Error("cannot score " + r.messages.back().content);
      OptionScores s;
      for (std::size_t k = 0; k < r.options.size(); ++k) {
        s.logprob.push_back(-0.1 * static_cast<double>(version) * static_cast<double>(k + 1) / 3.0);
        s.probability.push_back(1.0 / static_cast<double>(r.options.size()));
        s.n_tokens.push_back(static_cast<int>(k) + 1);
      }
      out.push_back(std::move(s));
    }
    return out;
  }
  std::string answer(const std::string& p, std::uint64_t seed) const {
    return fmt::format("v{} {} seed {}", version, p, seed);
  }
  std::size_t requests_asked() const {
    std::size_t n = 0;
    for (const auto& c : calls) n += c.size();
    return n;
  }

 private:
  template <class R>
  void record(std::span<const R> batch) {
    if (sleep_ms_per_call) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_per_call));
    calls.emplace_back();
    for (const auto& r : batch) {
      calls.back().push_back(r.messages.back().content);
      ++asked[r.messages.back().content];
    }
  }
};

inline GenerationRequest req(const std::string& prompt) {
  GenerationRequest r;
  r.messages = {{"system", "Answer in JSON."}, {"user", prompt}};
  return r;
}
inline std::vector<GenerationRequest> reqs(int from, int to) {
  std::vector<GenerationRequest> v;
  for (int i = from; i < to; ++i) v.push_back(req(fmt::format("p{}", i)));
  return v;
}
inline std::vector<std::string> prompts(const std::vector<GenerationRequest>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.messages.back().content);
  return out;
}

inline CachingOptions at(const std::string& path, std::size_t chunk = 64, CacheMode mode = CacheMode::Use) {
  CachingOptions o;
  o.path = path;
  o.chunk_size = chunk;
  o.mode = mode;
  return o;
}

}  // namespace sceval::llm::cache_testing
