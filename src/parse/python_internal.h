#pragma once
// Pieces shared by the python*.cpp files (internal to the parse module).
#include <string>
#include <string_view>

#include "parse/python.h"

namespace sceval::parse::py::detail {

inline bool ascii_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

inline int hex_value(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= U'a' && c <= U'f') return static_cast<int>(c - U'a' + 10);
  if (c >= U'A' && c <= U'F') return static_cast<int>(c - U'A' + 10);
  return -1;
}

inline std::string ascii(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  return out;
}

// Python int from ASCII decimal digits with an optional leading '-'.
Json int_from_digits(std::string_view digits);

inline std::string hex4(unsigned v, int width) {
  static const char* digits = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(width), '0');
  for (int k = width - 1; k >= 0; --k, v >>= 4) out[static_cast<std::size_t>(k)] = digits[v & 0xF];
  return out;
}

inline void append_ascii(std::u32string& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<unsigned char>(c));
}

}  // namespace sceval::parse::py::detail
