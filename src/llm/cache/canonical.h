#pragma once
// What identifies a model request in the response cache, and lossless JSON for the answers.
//
// The cache key of a request is the hex SHA-256 of its *canonical JSON*: a JSON object holding
// everything that determines the answer (format version, backend identity, request kind, the full
// message list, every GenerateOptions field, or answer_prefix + options for scoring), written by
// nlohmann::json::dump() with no whitespace and object keys sorted (nlohmann::json keeps objects in
// std::map order), so the key does not depend on the order in which any object's keys were written.
// The format is documented in docs/cache.md.
//
// Strings are stored as JSON strings when they are valid UTF-8 and as {"hex": "<bytes>"} otherwise
// (a model can stop in the middle of a multi-byte character), so no byte is lost and two different
// byte strings never share a key. Doubles are JSON numbers written in the shortest form that reads
// back to the same bits (finite values, including -0.0 and subnormals) or the strings "inf", "-inf",
// "nan" (non-finite values; the sign and payload of a NaN are not kept).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "llm/backend.h"

namespace sceval::llm {

// Bump when the canonical request format changes: old entries then simply stop matching.
inline constexpr int kCacheKeyVersion = 1;

enum class RequestKind { Generate, ScoreOptions };
std::string_view to_string(RequestKind k);                 // "generate" | "score_options"
RequestKind request_kind_from_string(std::string_view s);  // throws sceval::Error

// A request as the cache sees it.
struct CacheRequest {
  std::string key;  // hex SHA-256 of `canonical`
  RequestKind kind = RequestKind::Generate;
  std::string identity;   // Backend::identity()
  std::string canonical;  // canonical JSON text
};

nlohmann::json canonical_request_json(std::string_view identity, const GenerationRequest& r);
nlohmann::json canonical_request_json(std::string_view identity, const LabelScoreRequest& r);
CacheRequest cache_request(std::string_view identity, const GenerationRequest& r);
CacheRequest cache_request(std::string_view identity, const LabelScoreRequest& r);

// Hex SHA-256 of the canonical dump of any JSON value (objects re-sorted, so the key of a request read
// back from text with its keys in another order is the same). Throws sceval::Error when the value holds
// a string that is not valid UTF-8.
std::string canonical_dump(const nlohmann::json& j);
std::string cache_key(const nlohmann::json& canonical);

// Lossless (de)serialisation of the answers. from_json throws sceval::Error naming the field.
nlohmann::json generation_to_json(const Generation& g);
Generation generation_from_json(const nlohmann::json& j);
nlohmann::json scores_to_json(const OptionScores& s);
OptionScores scores_from_json(const nlohmann::json& j);

// The building blocks (exposed for tests and for other lossless writers).
nlohmann::json bytes_to_json(std::string_view bytes);  // string if valid UTF-8, else {"hex": ...}
std::string bytes_from_json(const nlohmann::json& j);
nlohmann::json double_to_json(double x);  // number, or "inf" / "-inf" / "nan"
double double_from_json(const nlohmann::json& j);

}  // namespace sceval::llm
