#pragma once
// Rows of the response-cache tests: row i is a deterministic request and answer (some answers span
// several database pages), and the checks that a stored row is intact.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "llm/cache/response_cache.h"

namespace sceval::llm::cache_testing {

inline GenerationRequest request_for(std::int64_t i) {
  GenerationRequest r;
  r.messages = {{"user", "point " + std::to_string(i)}};
  return r;
}
inline std::string text_for(std::int64_t i) {
  std::string t = "answer " + std::to_string(i) + ' ';
  t += std::string(static_cast<std::size_t>(i % 7 == 0 ? 9000 + i % 1000 : i % 300), static_cast<char>('a' + i % 26));
  return t;
}
inline CacheRequest key_for(std::int64_t i) { return cache_request("test-model", request_for(i)); }
inline CacheEntry row(std::int64_t i) {
  Generation g;
  g.text = text_for(i);
  g.completion_tokens = static_cast<int>(i % 100000);
  g.logprobs = {{"a", -0.1 * static_cast<double>(i % 13), {{"a", -0.1}, {"b", -2.5}}}};
  return make_entry(key_for(i), g, 0.25, 1);
}
inline bool intact(ResponseCache& c, std::int64_t i) {
  const auto g = c.get_generation(key_for(i).key);
  return g && g->text == text_for(i) && g->completion_tokens == static_cast<int>(i % 100000) &&
         g->logprobs.size() == 1 && g->logprobs[0].top.size() == 2;
}
// The index a stored row was written for, read from its request.
inline std::int64_t index_of(const CacheEntry& e) {
  const std::string content = nlohmann::json::parse(e.request).at("messages").at(0).at("content").get<std::string>();
  return std::stoll(content.substr(std::string("point ").size()));
}

}  // namespace sceval::llm::cache_testing
