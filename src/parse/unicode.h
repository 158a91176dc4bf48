#pragma once
// Python's view of text: code points and the character classes of str methods and `re`.
// Internal to the parse module (tests use it too). The tables come from unicode_tables.py.
#include <string>
#include <string_view>

namespace sceval::parse::unicode {

// UTF-8 -> code points. Each byte of an invalid sequence becomes U+FFFD (Python never sees such
// bytes: model replies reach it already decoded).
std::u32string decode_utf8(std::string_view s);
// Code points -> UTF-8. A high+low surrogate pair becomes the character it encodes (as a
// json.dumps/json.loads round trip does); other surrogates (a Python str can hold them, e.g. from
// "\ud800") become U+FFFD.
std::string encode_utf8(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);

bool is_space(char32_t c);                                            // str.isspace(), re \s
bool is_alnum(char32_t c);                                            // str.isalnum()
inline bool is_word(char32_t c) { return c == U'_' || is_alnum(c); }  // re \w
int decimal_value(char32_t c);  // str.isdecimal() digit value, re \d; -1 if not a decimal digit
bool is_printable(char32_t c);  // str.isprintable()

std::u32string lower(std::u32string_view s);       // str.lower()
std::u32string_view strip(std::u32string_view s);  // str.strip() (Unicode whitespace)

}  // namespace sceval::parse::unicode
