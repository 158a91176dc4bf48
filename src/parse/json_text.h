#pragma once
// Free model text -> a JSON value, exactly as the paper's utils.parse_json_from_text does it:
// code fences stripped, the first {...} (else [...]) cut out and auto-closed, then json.loads and
// ast.literal_eval tried on it as is, after quoting single-quoted strings, and after regex repairs.
// See docs/parsing.md.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sceval::parse {

// Key order matters to the paper's code (extract_dict_answer looks into the first value only;
// main.py stops reading an SCE at the first unknown key), so values keep it: ordered_json.
using Json = nlohmann::ordered_json;

enum class JsonFailure {
  None,       // parsed
  NoJson,     // no '{' or '[' in the text (after removing code fences)
  Malformed,  // a candidate was found but no attempt parsed it
};
std::string_view to_string(JsonFailure f);  // none | no_json | malformed

// Which attempt parsed the candidate, in the order the paper tries them.
enum class JsonRepair {
  None,               // not parsed
  Json,               // json.loads(candidate)
  PythonLiteral,      // ast.literal_eval(candidate)
  QuotedJson,         // json.loads after fix_single_quoted_values + escape_interior_double_quotes
  QuotedLiteral,      // ast.literal_eval of the same
  RegexFixedJson,     // json.loads after regex_fixes + escape_interior_double_quotes
  RegexFixedLiteral,  // ast.literal_eval of the same
};
std::string_view to_string(JsonRepair r);  // none | json | python_literal | quoted_json | ...

struct JsonParse {
  std::optional<Json> value;  // an object or an array when parsed
  JsonFailure failure = JsonFailure::None;
  std::string detail;  // why it failed (the last parser error), empty when parsed
  JsonRepair repair = JsonRepair::None;
  std::size_t closers_added = 0;  // braces/brackets appended to close the candidate
  bool ok() const { return value.has_value(); }
};

// Never throws; any input (including invalid UTF-8, which becomes U+FFFD) gives a result.
JsonParse parse_json_from_text(std::string_view text) noexcept;

}  // namespace sceval::parse
