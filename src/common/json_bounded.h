#pragma once
// The one way sceval reads JSON it did not just build itself (task files, sweep configs,
// results.json, samples.jsonl, cache rows, server replies): a parse with limits, so hostile input
// gets a sceval::Error naming the source instead of a stack overflow or an "internal error".
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sceval {

struct JsonLimits {
  // Deeper nesting is refused before parsing: nlohmann's parser is iterative, but copying,
  // comparing and dumping a value recurse, and 10^5 levels overflow the stack there.
  std::size_t max_depth = 256;
  bool allow_duplicate_keys = false;  // nlohmann keeps the last silently; a typo'd copy wins
  bool int64_only = true;             // integers beyond int64 are refused (get<int64_t> would wrap)
};

// Parses `text`; `source` names it in messages ("tasks/x.json", "cache row 12"). Errors:
//   "<source>:<line>:<col>: invalid JSON: ..." (syntax), "... number out of range '1e400'",
//   "<source>: nesting deeper than 256 levels at line L", "<source>: duplicate key "k" in <path>",
//   "<source>: <path>: integer 18446744073709551615 is out of range (beyond int64)",
//   "<source>: the file is UTF-16; save it as UTF-8" (a UTF-16/32 byte-order mark, or NUL bytes).
nlohmann::json parse_json_bounded(std::string_view text, const std::string& source, const JsonLimits& limits = {});

// Deepest nesting of arrays/objects in `text` (strings skipped) and where it first passes `limit`
// (byte offset), without parsing: cheap guard usable before any other JSON parser.
struct JsonDepth {
  std::size_t max_depth = 0;
  std::size_t first_over = std::string_view::npos;  // byte offset where depth first exceeded limit
};
JsonDepth json_depth(std::string_view text, std::size_t limit);

// "line:col" (1-based) of a byte offset in text.
std::string line_col(std::string_view text, std::size_t offset);

}  // namespace sceval
