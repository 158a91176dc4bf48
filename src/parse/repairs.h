#pragma once
// The text repairs of utils.parse_json_from_text (HarryMayne/SCEs, src/utils.py), one function
// per helper, on code points as the Python str they ran on. Internal; public for the tests.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sceval::parse::repairs {

// re.sub(r"```(?:json)?\s*\n(.*?)```", r"\1", src, flags=re.DOTALL)
std::u32string strip_code_fences(std::u32string_view src);

// find_candidate: the first '{' (only if there is none, the first '['), cut at the point where
// the count of that bracket returns to zero (brackets in strings count too), or the rest of the
// text with the count still open.
struct Candidate {
  std::u32string text;
  std::size_t unbalanced = 0;  // closers still missing
  char32_t closer = U'}';
};
std::optional<Candidate> find_candidate(std::u32string_view src);

std::u32string fix_single_quoted_values(std::u32string_view src);
std::u32string escape_interior_double_quotes(std::u32string_view src);
std::u32string regex_fixes(std::u32string_view src);

}  // namespace sceval::parse::repairs
