#include "task/level_text.h"

namespace sceval::task {
namespace {

// The next code point of valid UTF-8 at `i` (advancing it); 0xFFFD for a byte that starts none.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t c = len == 1 ? b : b & (0x7F >> len);
  for (int k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return c;
}

}  // namespace

std::string answer_form(std::string_view utf8) {
  std::string out;
  bool gap = false;
  auto letter = [&](char c) {
    if (gap && !out.empty()) out.push_back(' ');
    gap = false;
    out.push_back(c);
  };
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t c = next_code_point(utf8, i);
    if (c == U'\'') continue;
    if (c >= U'A' && c <= U'Z')
      letter(static_cast<char>(c - U'A' + U'a'));
    else if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9'))
      letter(static_cast<char>(c));
    // Python's str.lower() gives an ASCII letter for two other code points only: U+0130 (İ) lowers
    // to "i" + U+0307 (a combining dot, itself a separator), the Kelvin sign U+212A to "k".
    else if (c == 0x130)
      letter('i'), gap = true;
    else if (c == 0x212A)
      letter('k');
    else
      gap = true;
  }
  return out;
}

}  // namespace sceval::task
