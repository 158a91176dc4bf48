#pragma once
// The pieces of Python the paper's parsing code (HarryMayne/SCEs, src/utils.py) leans on, so that
// sceval reads a model's reply exactly as that code did:
//   json.loads (C scanner, strict), ast.literal_eval followed by json.loads(json.dumps(...)),
//   json.dumps of a str, str()/repr() of parsed values, float(), and the regex helpers.
// Internal to the parse module; public so that tests can pin each piece down.
// Strings are code points (std::u32string) as in a Python str; JSON values are ordered_json so that
// key order survives (the paper's code depends on it).
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sceval::parse::py {

using Json = nlohmann::ordered_json;

// json.loads raises RecursionError past this nesting (Python 3.11, called as main.py calls it);
// the exact figure depends on the Python version and call stack.
inline constexpr int kJsonMaxDepth = 993;
// Python's tokenizer refuses more than 200 nested brackets ("too many nested parentheses").
inline constexpr int kLiteralMaxDepth = 200;

// json.loads(s). On failure returns nullopt and, if `error`, a message like Python's.
// Integers beyond 64 bits are held as doubles; lone surrogates from "\ud800" become U+FFFD.
std::optional<Json> json_loads(std::u32string_view s, std::string* error = nullptr);

// json.loads(json.dumps(ast.literal_eval(s))) for the literals that survive json.dumps: str,
// int, float, True/False/None, lists, tuples (-> lists) and dicts with str/int/float/bool/None keys
// (stringified as json.dumps does, equal keys merged as a Python dict does). Anything else fails, as
// it does in Python (sets, bytes, complex, names, operators, f-strings). Not supported (fails here,
// succeeds in Python): \N{NAME} escapes.
std::optional<Json> literal_eval_json(std::u32string_view s, std::string* error = nullptr);

// json.dumps(s) of a str (ensure_ascii=True): the quoted, escaped JSON string.
std::u32string json_dumps_string(std::u32string_view s);

// str(v) and repr(v) of the Python value json.loads would have produced.
std::u32string str(const Json& v);
std::u32string repr(const Json& v);
std::string float_repr(double d);  // repr(float)

// float(s) for a str; nullopt where Python raises ValueError.
std::optional<double> float_from_string(std::u32string_view s);
// The number float() gives for ASCII text "[-+]digits[.digits][e[-+]digits]" (already validated):
// correctly rounded, overflow -> inf, underflow -> 0.
double decimal_to_double(std::string_view ascii);
// general_string2num on a str: float(first run of \d digits), nullopt ("NA") when there is none.
std::optional<double> first_integer(std::u32string_view s);

// utils._normalize: lower-case, drop "'", every run of characters outside [a-z0-9] -> one space,
// trimmed. "Bachelor's degree" -> "bachelors degree".
std::string normalize(std::u32string_view s);

}  // namespace sceval::parse::py
