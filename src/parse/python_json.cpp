// json.loads: CPython's Modules/_json.c scanner (strict=True), ported for parse/python.h.
#include "parse/python.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parse/python_internal.h"
#include "parse/unicode.h"

namespace sceval::parse::py {
using namespace detail;

namespace {

// ---------------------------------------------------------------------------------------------
// json.loads: CPython's Modules/_json.c scanner (strict=True), whitespace " \t\n\r".

class JsonScanner {
 public:
  explicit JsonScanner(std::u32string_view s) : s_(s) {}

  std::optional<Json> run(std::string* error) {
    std::size_t i = 0;
    skip_ws(i);
    Json v;
    bool ok = value(i, v, 0);
    if (ok) {
      skip_ws(i);
      if (i != s_.size()) ok = fail("Extra data", i);
    }
    if (!ok) {
      if (error) *error = error_;
      return std::nullopt;
    }
    return v;
  }

 private:
  bool fail(const char* what, std::size_t pos) {
    error_ = std::string(what) + " (char " + std::to_string(pos) + ")";
    return false;
  }
  void skip_ws(std::size_t& i) const {
    while (i < s_.size() && (s_[i] == U' ' || s_[i] == U'\t' || s_[i] == U'\n' || s_[i] == U'\r')) ++i;
  }
  bool starts(std::size_t i, std::u32string_view lit) const { return s_.substr(i, lit.size()) == lit; }

  bool value(std::size_t& i, Json& out, int depth) {
    if (i >= s_.size()) return fail("Expecting value", i);
    char32_t c = s_[i];
    switch (c) {
      case U'"': {
        std::u32string str;
        if (!string(i, str)) return false;
        out = unicode::encode_utf8(str);
        return true;
      }
      case U'{':
        if (depth + 1 > kJsonMaxDepth) return fail("maximum recursion depth exceeded while decoding a JSON object", i);
        return object(i, out, depth + 1);
      case U'[':
        if (depth + 1 > kJsonMaxDepth) return fail("maximum recursion depth exceeded while decoding a JSON array", i);
        return array(i, out, depth + 1);
      case U'n':
        if (starts(i, U"null")) {
          out = nullptr;
          i += 4;
          return true;
        }
        break;
      case U't':
        if (starts(i, U"true")) {
          out = true;
          i += 4;
          return true;
        }
        break;
      case U'f':
        if (starts(i, U"false")) {
          out = false;
          i += 5;
          return true;
        }
        break;
      case U'N':
        if (starts(i, U"NaN")) {
          out = std::numeric_limits<double>::quiet_NaN();
          i += 3;
          return true;
        }
        break;
      case U'I':
        if (starts(i, U"Infinity")) {
          out = std::numeric_limits<double>::infinity();
          i += 8;
          return true;
        }
        break;
      case U'-':
        if (starts(i, U"-Infinity")) {
          out = -std::numeric_limits<double>::infinity();
          i += 9;
          return true;
        }
        break;
      default:
        break;
    }
    return number(i, out);
  }

  bool number(std::size_t& i, Json& out) {
    std::size_t start = i, n = s_.size();
    if (s_[i] == U'-') {
      ++i;
      if (i >= n) return fail("Expecting value", start);
    }
    if (s_[i] >= U'1' && s_[i] <= U'9') {
      ++i;
      while (i < n && ascii_digit(s_[i])) ++i;
    } else if (s_[i] == U'0') {
      ++i;
    } else {
      return fail("Expecting value", start);
    }
    bool is_float = false;
    if (i + 1 < n && s_[i] == U'.' && ascii_digit(s_[i + 1])) {
      is_float = true;
      i += 2;
      while (i < n && ascii_digit(s_[i])) ++i;
    }
    if (i < n && (s_[i] == U'e' || s_[i] == U'E')) {
      std::size_t j = i + 1;
      if (j < n && (s_[j] == U'+' || s_[j] == U'-')) ++j;
      std::size_t k = j;
      while (j < n && ascii_digit(s_[j])) ++j;
      if (j > k) {
        is_float = true;
        i = j;
      }
    }
    std::string text = ascii(s_.substr(start, i - start));
    out = is_float ? Json(decimal_to_double(text)) : int_from_digits(text);
    return true;
  }

  // s_[i] is the opening quote; leaves i after the closing quote.
  bool string(std::size_t& i, std::u32string& out) {
    std::size_t begin = i++, n = s_.size();
    while (true) {
      if (i >= n) return fail("Unterminated string starting at", begin);
      char32_t c = s_[i];
      if (c == U'"') {
        ++i;
        return true;
      }
      if (c != U'\\') {
        if (c <= 0x1F) return fail("Invalid control character at", i);
        out.push_back(c);
        ++i;
        continue;
      }
      ++i;
      if (i >= n) return fail("Unterminated string starting at", begin);
      char32_t e = s_[i];
      if (e != U'u') {
        switch (e) {
          case U'"':
            out.push_back(U'"');
            break;
          case U'\\':
            out.push_back(U'\\');
            break;
          case U'/':
            out.push_back(U'/');
            break;
          case U'b':
            out.push_back(U'\b');
            break;
          case U'f':
            out.push_back(U'\f');
            break;
          case U'n':
            out.push_back(U'\n');
            break;
          case U'r':
            out.push_back(U'\r');
            break;
          case U't':
            out.push_back(U'\t');
            break;
          default:
            return fail("Invalid \\escape", i - 1);
        }
        ++i;
        continue;
      }
      auto read4 = [&](std::size_t at, char32_t& v) {
        if (at + 4 > n) return false;
        v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
          int h = hex_value(s_[at + k]);
          if (h < 0) return false;
          v = (v << 4) | static_cast<char32_t>(h);
        }
        return true;
      };
      char32_t cp = 0;
      if (!read4(i + 1, cp)) return fail("Invalid \\uXXXX escape", i - 1);
      i += 5;
      // A high surrogate followed by \uXXXX: joined when the second is a low surrogate; the
      // second escape must be valid hex either way (as in CPython's scanstring).
      if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n && s_[i] == U'\\' && s_[i + 1] == U'u') {
        char32_t c2 = 0;
        if (!read4(i + 2, c2)) return fail("Invalid \\uXXXX escape", i);
        if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (c2 - 0xDC00);
          i += 6;
        }
      }
      out.push_back(cp);
    }
  }

  bool object(std::size_t& i, Json& out, int depth) {
    ++i;
    out = Json::object();
    skip_ws(i);
    if (i < s_.size() && s_[i] == U'}') {
      ++i;
      return true;
    }
    while (true) {
      if (i >= s_.size() || s_[i] != U'"') return fail("Expecting property name enclosed in double quotes", i);
      std::u32string key;
      if (!string(i, key)) return false;
      skip_ws(i);
      if (i >= s_.size() || s_[i] != U':') return fail("Expecting ':' delimiter", i);
      ++i;
      skip_ws(i);
      Json v;
      if (!value(i, v, depth)) return false;
      out[unicode::encode_utf8(key)] = std::move(v);  // duplicate key: first position, last value
      skip_ws(i);
      if (i < s_.size() && s_[i] == U'}') {
        ++i;
        return true;
      }
      if (i >= s_.size() || s_[i] != U',') return fail("Expecting ',' delimiter", i);
      ++i;
      skip_ws(i);
    }
  }

  bool array(std::size_t& i, Json& out, int depth) {
    ++i;
    out = Json::array();
    skip_ws(i);
    if (i < s_.size() && s_[i] == U']') {
      ++i;
      return true;
    }
    while (true) {
      Json v;
      if (!value(i, v, depth)) return false;
      out.push_back(std::move(v));
      skip_ws(i);
      if (i < s_.size() && s_[i] == U']') {
        ++i;
        return true;
      }
      if (i >= s_.size() || s_[i] != U',') return fail("Expecting ',' delimiter", i);
      ++i;
      skip_ws(i);
    }
  }

  std::u32string_view s_;
  std::string error_;
};

}  // namespace

namespace detail {

// Python int from ASCII decimal digits with an optional leading '-'.
Json int_from_digits(std::string_view digits) {
  const char* b = digits.data();
  const char* e = b + digits.size();
  std::int64_t v = 0;
  auto r = std::from_chars(b, e, v);
  if (r.ec == std::errc() && r.ptr == e) return Json(v);
  if (!digits.empty() && digits[0] != '-') {
    std::uint64_t u = 0;
    auto r2 = std::from_chars(b, e, u);
    if (r2.ec == std::errc() && r2.ptr == e) return Json(u);
  }
  return Json(decimal_to_double(digits));  // beyond 64 bits: held as a double
}

}  // namespace detail

std::optional<Json> json_loads(std::u32string_view s, std::string* error) { return JsonScanner(s).run(error); }

}  // namespace sceval::parse::py
