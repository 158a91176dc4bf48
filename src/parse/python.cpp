#include "parse/python.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parse/unicode.h"

namespace sceval::parse::py {
namespace {

bool ascii_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

int hex_value(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= U'a' && c <= U'f') return static_cast<int>(c - U'a' + 10);
  if (c >= U'A' && c <= U'F') return static_cast<int>(c - U'A' + 10);
  return -1;
}

std::string ascii(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  return out;
}

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

std::string hex4(unsigned v, int width) {
  static const char* digits = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(width), '0');
  for (int k = width - 1; k >= 0; --k, v >>= 4) out[static_cast<std::size_t>(k)] = digits[v & 0xF];
  return out;
}

void append_ascii(std::u32string& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<unsigned char>(c));
}

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
        if (starts(i, U"null")) { out = nullptr; i += 4; return true; }
        break;
      case U't':
        if (starts(i, U"true")) { out = true; i += 4; return true; }
        break;
      case U'f':
        if (starts(i, U"false")) { out = false; i += 5; return true; }
        break;
      case U'N':
        if (starts(i, U"NaN")) { out = std::numeric_limits<double>::quiet_NaN(); i += 3; return true; }
        break;
      case U'I':
        if (starts(i, U"Infinity")) { out = std::numeric_limits<double>::infinity(); i += 8; return true; }
        break;
      case U'-':
        if (starts(i, U"-Infinity")) { out = -std::numeric_limits<double>::infinity(); i += 9; return true; }
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
          case U'"': out.push_back(U'"'); break;
          case U'\\': out.push_back(U'\\'); break;
          case U'/': out.push_back(U'/'); break;
          case U'b': out.push_back(U'\b'); break;
          case U'f': out.push_back(U'\f'); break;
          case U'n': out.push_back(U'\n'); break;
          case U'r': out.push_back(U'\r'); break;
          case U't': out.push_back(U'\t'); break;
          default: return fail("Invalid \\escape", i - 1);
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

// ---------------------------------------------------------------------------------------------
// ast.literal_eval: a tokenizer and parser for the literal subset, failing on everything else.

struct LiteralFail {
  std::string message;
};

[[noreturn]] void literal_fail(std::string message) { throw LiteralFail{std::move(message)}; }

// A Python value as ast.literal_eval builds it. Values json.dumps cannot write (complex, bytes,
// Ellipsis, sets, tuple keys) are kept until the end: a later duplicate dict key may replace them.
struct PyValue {
  enum class Type { None, Bool, Int, Float, Complex, Str, Bytes, Ellipsis, Tuple, List, Set, Dict };
  Type type = Type::None;
  bool b = false;
  Json num;               // Int (a double beyond 64 bits) or Float
  double re = 0, im = 0;  // Complex
  std::u32string str;     // Str: code points; Bytes: one element per byte
  std::vector<PyValue> items;                        // Tuple, List
  std::vector<PyValue> entries;  // Dict: key, value, key, value, ... in insertion order
};
using PyType = PyValue::Type;

bool hashable(const PyValue& v) {
  switch (v.type) {
    case PyType::List: case PyType::Set: case PyType::Dict: return false;
    case PyType::Tuple:
      for (const auto& x : v.items)
        if (!hashable(x)) return false;
      return true;
    default: return true;
  }
}

bool is_numeric(const PyValue& v) {
  return v.type == PyType::Bool || v.type == PyType::Int || v.type == PyType::Float || v.type == PyType::Complex;
}

// Python == between two real numbers (bool, int, float): ints exactly, int vs float exactly.
bool real_equal(const PyValue& a, const PyValue& b) {
  struct Int {
    bool neg = false;
    std::uint64_t mag = 0;
    bool operator==(const Int&) const = default;
  };
  auto as_int = [](const PyValue& x, Int& out) {
    if (x.type == PyType::Bool) {
      out = {false, x.b ? 1u : 0u};
      return true;
    }
    if (x.type != PyType::Int || x.num.is_number_float()) return false;
    if (x.num.is_number_unsigned()) {
      out = {false, x.num.get<std::uint64_t>()};
    } else {
      std::int64_t i = x.num.get<std::int64_t>();
      out = {i < 0, i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i)};
    }
    if (out.mag == 0) out.neg = false;
    return true;
  };
  auto as_double = [](const PyValue& x) { return x.type == PyType::Bool ? (x.b ? 1.0 : 0.0) : x.num.get<double>(); };
  Int ia, ib;
  bool a_int = as_int(a, ia), b_int = as_int(b, ib);
  if (a_int && b_int) return ia == ib;
  if (!a_int && !b_int) return as_double(a) == as_double(b);
  double d = a_int ? as_double(b) : as_double(a);
  const Int& i = a_int ? ia : ib;
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 18446744073709551616.0) return false;
  Int di{d < 0, static_cast<std::uint64_t>(std::fabs(d))};
  if (di.mag == 0) di.neg = false;
  return di == i;
}

// Python == between two hashable values (dict keys).
bool py_equal(const PyValue& a, const PyValue& b) {
  if (is_numeric(a) && is_numeric(b)) {
    if (a.type == PyType::Complex && b.type == PyType::Complex) return a.re == b.re && a.im == b.im;
    if (a.type == PyType::Complex || b.type == PyType::Complex) {
      const PyValue& c = a.type == PyType::Complex ? a : b;
      const PyValue& r = a.type == PyType::Complex ? b : a;
      PyValue re;
      re.type = PyType::Float;
      re.num = c.re;
      return c.im == 0.0 && real_equal(re, r);
    }
    return real_equal(a, b);
  }
  if (a.type != b.type) return false;
  switch (a.type) {
    case PyType::None: case PyType::Ellipsis: return true;
    case PyType::Str: case PyType::Bytes: return a.str == b.str;
    case PyType::Tuple:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!py_equal(a.items[i], b.items[i])) return false;
      return true;
    default: return false;
  }
}

// json.loads(json.dumps(v)): fails where json.dumps raises TypeError.
Json to_json(const PyValue& v) {
  switch (v.type) {
    case PyType::None: return nullptr;
    case PyType::Bool: return v.b;
    case PyType::Int: case PyType::Float: return v.num;
    case PyType::Str: return unicode::encode_utf8(v.str);
    case PyType::Tuple: case PyType::List: {
      Json a = Json::array();
      for (const auto& x : v.items) a.push_back(to_json(x));
      return a;
    }
    case PyType::Dict: {
      Json o = Json::object();
      for (std::size_t e = 0; e + 1 < v.entries.size(); e += 2) {
        const PyValue& k = v.entries[e];
        const PyValue& x = v.entries[e + 1];
        std::string key;
        switch (k.type) {  // json.dumps' text for a key
          case PyType::Str: key = unicode::encode_utf8(k.str); break;
          case PyType::None: key = "null"; break;
          case PyType::Bool: key = k.b ? "true" : "false"; break;
          case PyType::Int:
            if (k.num.is_number_unsigned()) key = std::to_string(k.num.get<std::uint64_t>());
            else if (k.num.is_number_integer()) key = std::to_string(k.num.get<std::int64_t>());
            else key = float_repr(k.num.get<double>());
            break;
          case PyType::Float: {
            double d = k.num.get<double>();
            key = std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : float_repr(d);
            break;
          }
          default: literal_fail("keys must be str, int, float, bool or None");
        }
        o[key] = to_json(x);  // equal texts: first position, last value (json.loads)
      }
      return o;
    }
    default: literal_fail("Object of this type is not JSON serializable");
  }
}

struct Token {
  enum Kind { Op, Str, Num, Name, Ellipsis, Newline, End } kind = End;
  char32_t op = 0;
  bool bytes = false;   // Str: a bytes literal
  std::u32string text;  // Str: decoded value; Name: identifier
  PyValue num;          // Num: Int, Float or Complex
};

bool ident_start(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || c == U'_' || c >= 0x80; }
bool ident_char(char32_t c) { return ident_start(c) || ascii_digit(c); }

class Lexer {
 public:
  explicit Lexer(std::u32string_view src) {
    // compile() reads source with universal newlines.
    s_.reserve(src.size());
    for (std::size_t i = 0; i < src.size(); ++i) {
      if (src[i] == U'\r') {
        s_.push_back(U'\n');
        if (i + 1 < src.size() && src[i + 1] == U'\n') ++i;
      } else {
        if (src[i] == 0) literal_fail("source code string cannot contain null bytes");
        s_.push_back(src[i]);
      }
    }
  }

  Token next() {
    skip();
    Token t;
    if (i_ >= s_.size()) return t;
    char32_t c = s_[i_];
    if (c == U'\n') {  // only reached outside brackets
      ++i_;
      t.kind = Token::Newline;
      return t;
    }
    if (ident_start(c)) return name_or_string();
    if (c == U'"' || c == U'\'') return string_token(false, false);
    if (ascii_digit(c) || (c == U'.' && i_ + 1 < s_.size() && ascii_digit(s_[i_ + 1]))) return number();
    if (c == U'.' && s_.substr(i_, 3) == U"...") {
      i_ += 3;
      t.kind = Token::Ellipsis;
      return t;
    }
    ++i_;
    t.kind = Token::Op;
    t.op = c;
    switch (c) {
      case U'(': case U'[': case U'{':
        if (depth_ >= kLiteralMaxDepth) literal_fail("too many nested parentheses");
        ++depth_;
        return t;
      case U')': case U']': case U'}':
        if (depth_ == 0) literal_fail("unmatched closing bracket");
        --depth_;
        return t;
      case U',': case U':': case U'+': case U'-': case U'*': case U'/': case U'%': case U'@': case U'&':
      case U'|': case U'^': case U'~': case U'<': case U'>': case U'=': case U'.': case U';': case U'!':
        return t;  // the parser accepts only , : + - where a literal allows them
      default:
        literal_fail("invalid character");
    }
  }

 private:
  void skip() {
    while (i_ < s_.size()) {
      char32_t c = s_[i_];
      if (c == U' ' || c == U'\t' || c == U'\f') {
        ++i_;
      } else if (c == U'\\') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == U'\n') i_ += 2;
        else literal_fail("unexpected character after line continuation character");
      } else if (c == U'#') {
        while (i_ < s_.size() && s_[i_] != U'\n') ++i_;
      } else if (c == U'\n' && depth_ > 0) {
        ++i_;
      } else {
        return;
      }
    }
  }

  Token name_or_string() {
    std::size_t start = i_;
    while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
    std::u32string id = s_.substr(start, i_ - start);
    if (i_ < s_.size() && (s_[i_] == U'"' || s_[i_] == U'\'') && id.size() <= 2) {
      std::u32string p = unicode::lower(id);
      if (p == U"r" || p == U"u") return string_token(p == U"r", false);
      if (p == U"b" || p == U"br" || p == U"rb") return string_token(p != U"b", true);
      if (p == U"f" || p == U"fr" || p == U"rf") literal_fail("f-string (JoinedStr is not a literal)");
    }
    for (char32_t c : id)
      if (c >= 0x80) literal_fail("non-ASCII name");  // a name (or invalid character) either way
    Token t;
    t.kind = Token::Name;
    t.text = std::move(id);
    return t;
  }

  Token string_token(bool raw, bool bytes) {
    Token t;
    t.kind = Token::Str;
    t.bytes = bytes;
    char32_t q = s_[i_];
    bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q;
    i_ += triple ? 3 : 1;
    std::u32string& out = t.text;
    while (true) {
      if (i_ >= s_.size()) literal_fail("unterminated string literal");
      char32_t c = s_[i_];
      if (bytes && c >= 0x80) literal_fail("bytes can only contain ASCII literal characters");
      if (c == q) {
        if (!triple) {
          ++i_;
          return t;
        }
        if (i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q) {
          i_ += 3;
          return t;
        }
        out.push_back(c);
        ++i_;
        continue;
      }
      if (c == U'\n' && !triple) literal_fail("unterminated string literal");
      if (c != U'\\') {
        out.push_back(c);
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) literal_fail("unterminated string literal");
      char32_t e = s_[i_ + 1];
      if (bytes && e >= 0x80) literal_fail("bytes can only contain ASCII literal characters");
      if (raw) {  // the backslash stays, and the next character cannot end the string
        out.push_back(c);
        out.push_back(e);
        i_ += 2;
        continue;
      }
      i_ += 2;
      switch (e) {
        case U'\n': break;  // line continuation inside the string
        case U'\\': out.push_back(U'\\'); break;
        case U'\'': out.push_back(U'\''); break;
        case U'"': out.push_back(U'"'); break;
        case U'a': out.push_back(0x07); break;
        case U'b': out.push_back(0x08); break;
        case U'f': out.push_back(0x0C); break;
        case U'n': out.push_back(0x0A); break;
        case U'r': out.push_back(0x0D); break;
        case U't': out.push_back(0x09); break;
        case U'v': out.push_back(0x0B); break;
        case U'0': case U'1': case U'2': case U'3': case U'4': case U'5': case U'6': case U'7': {
          char32_t v = e - U'0';
          for (int k = 0; k < 2 && i_ < s_.size() && s_[i_] >= U'0' && s_[i_] <= U'7'; ++k, ++i_)
            v = v * 8 + (s_[i_] - U'0');
          if (bytes && v > 0xFF) literal_fail("octal escape out of range in bytes");
          out.push_back(v);
          break;
        }
        case U'x': case U'u': case U'U': {
          if (bytes && e != U'x') {  // not an escape in bytes
            out.push_back(U'\\');
            out.push_back(e);
            break;
          }
          int width = e == U'x' ? 2 : e == U'u' ? 4 : 8;
          char32_t v = 0;
          for (int k = 0; k < width; ++k, ++i_) {
            int h = i_ < s_.size() ? hex_value(s_[i_]) : -1;
            if (h < 0) literal_fail("truncated escape");
            v = (v << 4) | static_cast<char32_t>(h);
          }
          if (v > 0x10FFFF) literal_fail("illegal Unicode character");
          out.push_back(v);
          break;
        }
        case U'N':
          if (bytes) {
            out.push_back(U'\\');
            out.push_back(e);
            break;
          }
          literal_fail("\\N{...} escapes are not supported");
        default:  // unknown escape: kept as written
          out.push_back(U'\\');
          out.push_back(e);
      }
    }
  }

  // Reads digits with single '_' between digits into `digits`; false if there is none.
  bool digitpart(std::string& digits) {
    bool any = false;
    while (i_ < s_.size()) {
      if (ascii_digit(s_[i_])) {
        digits.push_back(static_cast<char>(s_[i_]));
        ++i_;
        any = true;
      } else if (s_[i_] == U'_' && any && i_ + 1 < s_.size() && ascii_digit(s_[i_ + 1])) {
        ++i_;
      } else {
        break;
      }
    }
    return any;
  }

  void end_of_number() {
    if (i_ < s_.size() && ident_char(s_[i_])) literal_fail("invalid number literal");
  }

  Token number() {
    Token t;
    t.kind = Token::Num;
    PyValue& v = t.num;
    v.type = PyType::Int;
    if (s_[i_] == U'0' && i_ + 1 < s_.size()) {
      char32_t b = s_[i_ + 1] | 0x20;
      int base = b == U'x' ? 16 : b == U'o' ? 8 : b == U'b' ? 2 : 0;
      if (base != 0) {
        i_ += 2;
        std::uint64_t u = 0;
        double dv = 0;
        bool big = false, any = false;
        while (i_ < s_.size()) {
          char32_t c = s_[i_];
          if (c == U'_' && i_ + 1 < s_.size()) {
            int h = hex_value(s_[i_ + 1]);
            if (h < 0 || h >= base) break;
            ++i_;
            continue;
          }
          int h = hex_value(c);
          if (h < 0 || h >= base) break;
          auto ub = static_cast<std::uint64_t>(base), uh = static_cast<std::uint64_t>(h);
          if (!big && u > (std::numeric_limits<std::uint64_t>::max() - uh) / ub) {
            big = true;
            dv = static_cast<double>(u);
          }
          if (big) dv = dv * base + h;
          else u = u * ub + uh;
          any = true;
          ++i_;
        }
        if (!any) literal_fail("invalid number literal");
        end_of_number();
        if (big) v.num = dv;
        else if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) v.num = static_cast<std::int64_t>(u);
        else v.num = u;
        return t;
      }
    }
    std::string intpart, frac, exp;
    bool is_float = false;
    if (s_[i_] != U'.' && !digitpart(intpart)) literal_fail("invalid number literal");
    if (i_ < s_.size() && s_[i_] == U'.') {
      ++i_;
      is_float = true;
      if (i_ < s_.size() && ascii_digit(s_[i_])) digitpart(frac);
    }
    if (i_ < s_.size() && (s_[i_] == U'e' || s_[i_] == U'E')) {
      std::size_t j = i_ + 1;
      std::string sign;
      if (j < s_.size() && (s_[j] == U'+' || s_[j] == U'-')) sign = static_cast<char>(s_[j++]);
      if (j < s_.size() && ascii_digit(s_[j])) {
        i_ = j;
        digitpart(exp);
        exp = sign + exp;
        is_float = true;
      }  // else "1e": the 'e' is an identifier character right after the number
    }
    bool imaginary = false;
    if (i_ < s_.size() && (s_[i_] == U'j' || s_[i_] == U'J')) {
      imaginary = true;
      ++i_;
    }
    end_of_number();
    if (!is_float && !imaginary) {
      bool nonzero = intpart.find_first_not_of('0') != std::string::npos;
      if (intpart.size() > 1 && intpart[0] == '0' && nonzero) literal_fail("leading zeros in decimal integer literals are not permitted");
      v.num = int_from_digits(intpart);
      return t;
    }
    std::string text = (intpart.empty() ? "0" : intpart) + "." + (frac.empty() ? "0" : frac);
    if (!exp.empty()) text += "e" + exp;
    double d = decimal_to_double(text);
    if (imaginary) {
      v.type = PyType::Complex;
      v.im = d;
    } else {
      v.type = PyType::Float;
      v.num = d;
    }
    return t;
  }

  std::u32string s_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

// ast.parse(mode='eval') of the literal subset, evaluated as literal_eval's _convert does.
class LiteralParser {
 public:
  explicit LiteralParser(std::u32string_view src) : lex_(src) { advance(); }

  PyValue parse() {
    Node first = expr();
    PyValue result;
    if (is_op(U',')) {  // a bare tuple
      result.type = PyType::Tuple;
      result.items.push_back(std::move(first.v));
      while (is_op(U',')) {
        advance();
        if (tok_.kind == Token::Newline || tok_.kind == Token::End) break;
        result.items.push_back(expr().v);
      }
    } else {
      result = std::move(first.v);
    }
    while (tok_.kind == Token::Newline) advance();
    if (tok_.kind != Token::End) literal_fail("invalid syntax");
    return result;
  }

 private:
  // The AST node kind, as far as literal_eval cares (parentheses leave no node).
  enum class NodeKind { NumConst, UnaryOp, BinOp, Other };
  struct Node {
    PyValue v;
    NodeKind kind = NodeKind::Other;
  };

  void advance() { tok_ = lex_.next(); }
  bool is_op(char32_t c) const { return tok_.kind == Token::Op && tok_.op == c; }
  void expect(char32_t c) {
    if (!is_op(c)) literal_fail("invalid syntax");
    advance();
  }
  // What may follow a complete literal expression; anything else makes it a non-literal
  // (operator, call, subscript, attribute, comparison, conditional...) or a syntax error.
  void check_end_of_expr() {
    if (tok_.kind == Token::Newline || tok_.kind == Token::End) return;
    if (tok_.kind == Token::Op && (tok_.op == U',' || tok_.op == U':' || tok_.op == U')' || tok_.op == U']' || tok_.op == U'}')) return;
    literal_fail("not a literal");
  }

  static bool real(const PyValue& v) { return v.type == PyType::Int || v.type == PyType::Float; }
  static double as_double(const PyValue& v) { return v.num.get<double>(); }

  // expr: [+-] atom, or a signed real number +/- an imaginary constant (literal_eval's BinOp rule).
  Node expr() {
    Node left = unary();
    if (is_op(U'+') || is_op(U'-')) {
      bool sub = tok_.op == U'-';
      advance();
      if (is_op(U'+') || is_op(U'-') || is_op(U'~')) literal_fail("not a literal");
      Node right = atom();
      bool left_ok = (left.kind == NodeKind::NumConst || left.kind == NodeKind::UnaryOp) && real(left.v);
      if (!left_ok || right.kind != NodeKind::NumConst || right.v.type != PyType::Complex) literal_fail("not a literal");
      Node out;
      out.kind = NodeKind::BinOp;
      out.v.type = PyType::Complex;
      out.v.re = sub ? as_double(left.v) - right.v.re : as_double(left.v) + right.v.re;
      out.v.im = sub ? -right.v.im : right.v.im;
      left = std::move(out);
    }
    check_end_of_expr();
    return left;
  }

  Node unary() {
    if (!is_op(U'+') && !is_op(U'-')) return atom();
    bool neg = tok_.op == U'-';
    advance();
    if (is_op(U'+') || is_op(U'-') || is_op(U'~')) literal_fail("nested unary operator");
    Node operand = atom();
    if (operand.kind != NodeKind::NumConst) literal_fail("unary operator on a non-number");
    Node out;
    out.kind = NodeKind::UnaryOp;
    out.v = std::move(operand.v);
    if (neg) negate(out.v);
    return out;
  }

  static void negate(PyValue& v) {
    if (v.type == PyType::Complex) {
      v.re = -v.re;
      v.im = -v.im;
    } else if (v.num.is_number_float()) {
      v.num = -v.num.get<double>();
    } else if (v.num.is_number_unsigned()) {
      std::uint64_t u = v.num.get<std::uint64_t>();
      if (u <= (std::uint64_t{1} << 63)) v.num = static_cast<std::int64_t>(0 - u);
      else v.num = -static_cast<double>(u);
    } else {
      std::int64_t i = v.num.get<std::int64_t>();
      if (i == std::numeric_limits<std::int64_t>::min()) v.num = std::uint64_t{1} << 63;
      else v.num = -i;
    }
  }

  Node atom() {
    Node n;
    switch (tok_.kind) {
      case Token::Num:
        n.v = std::move(tok_.num);
        n.kind = NodeKind::NumConst;
        advance();
        return n;
      case Token::Str: {
        bool bytes = tok_.bytes;
        std::u32string s = std::move(tok_.text);
        advance();
        while (tok_.kind == Token::Str) {  // implicit concatenation
          if (tok_.bytes != bytes) literal_fail("cannot mix bytes and nonbytes literals");
          s += tok_.text;
          advance();
        }
        n.v.type = bytes ? PyType::Bytes : PyType::Str;
        n.v.str = std::move(s);
        return n;
      }
      case Token::Ellipsis:
        n.v.type = PyType::Ellipsis;
        advance();
        return n;
      case Token::Name:
        if (tok_.text == U"True" || tok_.text == U"False") {
          n.v.type = PyType::Bool;
          n.v.b = tok_.text == U"True";
        } else if (tok_.text == U"None") {
          n.v.type = PyType::None;
        } else if (tok_.text == U"set") {  // set() with no arguments
          advance();
          expect(U'(');
          if (!is_op(U')')) literal_fail("set() with arguments");
          n.v.type = PyType::Set;
        } else {
          literal_fail("name is not a literal");
        }
        advance();
        return n;
      case Token::Op:
        if (tok_.op == U'(') return parens();
        if (tok_.op == U'[') return list();
        if (tok_.op == U'{') return braces();
        literal_fail("invalid syntax");
      default:
        literal_fail("invalid syntax");
    }
  }

  Node parens() {
    advance();
    Node n;
    n.v.type = PyType::Tuple;
    if (is_op(U')')) {  // ()
      advance();
      return n;
    }
    Node first = expr();
    if (is_op(U')')) {  // (x) is x
      advance();
      return first;
    }
    if (!is_op(U',')) literal_fail("invalid syntax");
    n.v.items.push_back(std::move(first.v));
    while (is_op(U',')) {
      advance();
      if (is_op(U')')) break;
      n.v.items.push_back(expr().v);
    }
    expect(U')');
    return n;
  }

  Node list() {
    advance();
    Node n;
    n.v.type = PyType::List;
    while (!is_op(U']')) {
      n.v.items.push_back(expr().v);
      if (is_op(U']')) break;
      expect(U',');
    }
    advance();
    return n;
  }

  Node braces() {
    advance();
    Node n;
    n.v.type = PyType::Dict;
    if (is_op(U'}')) {
      advance();
      return n;
    }
    Node first = expr();
    if (!is_op(U':')) {  // a set display
      n.v.type = PyType::Set;
      if (!hashable(first.v)) literal_fail("unhashable set element");
      while (is_op(U',')) {
        advance();
        if (is_op(U'}')) break;
        if (!hashable(expr().v)) literal_fail("unhashable set element");
      }
      expect(U'}');
      return n;
    }
    std::unordered_map<std::u32string, std::size_t> str_keys;  // str keys equal only str keys
    std::vector<std::size_t> other_keys;
    Node key = std::move(first);
    while (true) {
      expect(U':');
      Node value = expr();
      if (!hashable(key.v)) literal_fail("unhashable dict key");
      // dict(): equal keys keep the first key and its position, and take the last value.
      std::optional<std::size_t> at;
      if (key.v.type == PyType::Str) {
        if (auto it = str_keys.find(key.v.str); it != str_keys.end()) at = it->second;
      } else {
        for (std::size_t i : other_keys)
          if (py_equal(n.v.entries[2 * i], key.v)) {
            at = i;
            break;
          }
      }
      if (at) {
        n.v.entries[2 * *at + 1] = std::move(value.v);
      } else {
        std::size_t index = n.v.entries.size() / 2;
        if (key.v.type == PyType::Str) str_keys.emplace(key.v.str, index);
        else other_keys.push_back(index);
        n.v.entries.push_back(std::move(key.v));
        n.v.entries.push_back(std::move(value.v));
      }
      if (is_op(U'}')) break;
      expect(U',');
      if (is_op(U'}')) break;
      key = expr();
    }
    advance();
    return n;
  }

  Lexer lex_;
  Token tok_;
};

void repr_string(std::u32string& out, std::u32string_view s) {
  bool has_single = false, has_double = false;
  for (char32_t c : s) {
    if (c == U'\'') has_single = true;
    if (c == U'"') has_double = true;
  }
  char32_t q = has_single && !has_double ? U'"' : U'\'';
  out.push_back(q);
  for (char32_t c : s) {
    if (c == q || c == U'\\') {
      out.push_back(U'\\');
      out.push_back(c);
    } else if (c == U'\t') {
      append_ascii(out, "\\t");
    } else if (c == U'\n') {
      append_ascii(out, "\\n");
    } else if (c == U'\r') {
      append_ascii(out, "\\r");
    } else if (c < 0x20 || c == 0x7F) {
      append_ascii(out, "\\x" + hex4(c, 2));
    } else if (c < 0x7F || unicode::is_printable(c)) {
      out.push_back(c);
    } else if (c <= 0xFF) {
      append_ascii(out, "\\x" + hex4(c, 2));
    } else if (c <= 0xFFFF) {
      append_ascii(out, "\\u" + hex4(c, 4));
    } else {
      append_ascii(out, "\\U" + hex4(c, 8));
    }
  }
  out.push_back(q);
}

void repr_into(std::u32string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: append_ascii(out, "None"); return;
    case Json::value_t::boolean: append_ascii(out, v.get<bool>() ? "True" : "False"); return;
    case Json::value_t::number_integer: append_ascii(out, std::to_string(v.get<std::int64_t>())); return;
    case Json::value_t::number_unsigned: append_ascii(out, std::to_string(v.get<std::uint64_t>())); return;
    case Json::value_t::number_float: append_ascii(out, float_repr(v.get<double>())); return;
    case Json::value_t::string: repr_string(out, unicode::decode_utf8(v.get_ref<const std::string&>())); return;
    case Json::value_t::array: {
      out.push_back(U'[');
      bool first = true;
      for (const auto& x : v) {
        if (!first) append_ascii(out, ", ");
        first = false;
        repr_into(out, x);
      }
      out.push_back(U']');
      return;
    }
    case Json::value_t::object: {
      out.push_back(U'{');
      bool first = true;
      for (const auto& [k, x] : v.items()) {
        if (!first) append_ascii(out, ", ");
        first = false;
        repr_string(out, unicode::decode_utf8(k));
        append_ascii(out, ": ");
        repr_into(out, x);
      }
      out.push_back(U'}');
      return;
    }
    default: append_ascii(out, "None"); return;  // binary/discarded: never produced here
  }
}

}  // namespace

std::optional<Json> json_loads(std::u32string_view s, std::string* error) {
  return JsonScanner(s).run(error);
}

std::optional<Json> literal_eval_json(std::u32string_view s, std::string* error) {
  // literal_eval strips leading spaces and tabs before parsing.
  std::size_t b = 0;
  while (b < s.size() && (s[b] == U' ' || s[b] == U'\t')) ++b;
  try {
    LiteralParser p(s.substr(b));
    return to_json(p.parse());
  } catch (const LiteralFail& f) {
    if (error) *error = f.message;
    return std::nullopt;
  }
}

std::u32string json_dumps_string(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size() + 2);
  out.push_back(U'"');
  auto u = [&](unsigned v) { append_ascii(out, "\\u" + hex4(v, 4)); };
  for (char32_t c : s) {
    switch (c) {
      case U'"': append_ascii(out, "\\\""); break;
      case U'\\': append_ascii(out, "\\\\"); break;
      case U'\n': append_ascii(out, "\\n"); break;
      case U'\r': append_ascii(out, "\\r"); break;
      case U'\t': append_ascii(out, "\\t"); break;
      case U'\b': append_ascii(out, "\\b"); break;
      case U'\f': append_ascii(out, "\\f"); break;
      default:
        if (c >= 0x20 && c <= 0x7E) {
          out.push_back(c);
        } else if (c >= 0x10000) {
          unsigned v = c - 0x10000;
          u(0xD800 | (v >> 10));
          u(0xDC00 | (v & 0x3FF));
        } else {
          u(c);
        }
    }
  }
  out.push_back(U'"');
  return out;
}

std::u32string repr(const Json& v) {
  std::u32string out;
  repr_into(out, v);
  return out;
}

std::u32string str(const Json& v) {
  if (v.is_string()) return unicode::decode_utf8(v.get_ref<const std::string&>());
  return repr(v);
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view t(buf, static_cast<std::size_t>(r.ptr - buf));
  std::string out;
  if (!t.empty() && t[0] == '-') {
    out.push_back('-');
    t.remove_prefix(1);
  }
  std::size_t epos = t.find('e');
  std::string digits;
  for (char c : t.substr(0, epos))
    if (c != '.') digits.push_back(c);
  int exp = std::stoi(std::string(t.substr(epos + 1)));
  int decpt = exp + 1;
  int nd = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    } else if (decpt >= nd) {
      out += digits + std::string(static_cast<std::size_t>(decpt - nd), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." + digits.substr(static_cast<std::size_t>(decpt));
    }
  } else {
    out.push_back(digits[0]);
    if (nd > 1) out += "." + digits.substr(1);
    out += exp < 0 ? "e-" : "e+";
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out.push_back('0');
    out += std::to_string(a);
  }
  return out;
}

double decimal_to_double(std::string_view s) {
  bool neg = false;
  std::string_view t = s;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  double d = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), d, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow gives inf, underflow 0 (as Python's float()). The value is D[f].ddd x 10^(L-f-1+e)
    // with L digits before the point and the first non-zero digit at index f.
    long long L = 0, f = -1, idx = 0;
    bool after_point = false;
    std::size_t k = 0;
    for (; k < t.size() && t[k] != 'e' && t[k] != 'E'; ++k) {
      if (t[k] == '.') {
        after_point = true;
        continue;
      }
      if (!after_point) ++L;
      if (f < 0 && t[k] != '0') f = idx;
      ++idx;
    }
    long long e = 0;
    if (k < t.size()) {
      ++k;
      bool eneg = false;
      if (k < t.size() && (t[k] == '+' || t[k] == '-')) eneg = t[k++] == '-';
      for (; k < t.size(); ++k)
        if (e < 1000000000LL) e = e * 10 + (t[k] - '0');
      if (eneg) e = -e;
    }
    d = f >= 0 && L - f - 1 + e > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return neg ? -d : d;
}

std::optional<double> float_from_string(std::u32string_view s) {
  // _PyUnicode_TransformDecimalAndSpaceToASCII, then strip, then the float grammar with '_'.
  std::string t;
  t.reserve(s.size());
  for (char32_t c : s) {
    if (unicode::is_space(c)) t.push_back(' ');
    else if (int v = unicode::decimal_value(c); v >= 0) t.push_back(static_cast<char>('0' + v));
    else if (c < 0x80 && c != 0) t.push_back(static_cast<char>(c));
    else return std::nullopt;
  }
  std::size_t b = 0, e = t.size();
  auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; };
  while (b < e && sp(t[b])) ++b;
  while (e > b && sp(t[e - 1])) --e;
  std::string_view v(t.data() + b, e - b);
  std::string clean;
  bool neg = false;
  std::size_t i = 0;
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) neg = v[i++] == '-';
  std::string rest;
  for (std::size_t k = i; k < v.size(); ++k) rest.push_back(static_cast<char>(v[k] >= 'A' && v[k] <= 'Z' ? v[k] + 32 : v[k]));
  if (rest == "inf" || rest == "infinity") return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (rest == "nan") return std::numeric_limits<double>::quiet_NaN();
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // digitpart: digit (["_"] digit)*
  auto digits = [&](std::size_t& k, std::string& out) {
    bool any = false;
    while (k < v.size()) {
      if (digit(v[k])) {
        out.push_back(v[k++]);
        any = true;
      } else if (v[k] == '_' && any && k + 1 < v.size() && digit(v[k + 1])) {
        ++k;
      } else {
        break;
      }
    }
    return any;
  };
  std::size_t k = i;
  std::string ip, fp, ep;
  bool has_int = digits(k, ip), has_frac = false;
  if (k < v.size() && v[k] == '.') {
    ++k;
    has_frac = digits(k, fp);
  }
  if (!has_int && !has_frac) return std::nullopt;
  if (k < v.size() && (v[k] == 'e' || v[k] == 'E')) {
    ++k;
    std::string sign;
    if (k < v.size() && (v[k] == '+' || v[k] == '-')) sign = v[k++];
    if (!digits(k, ep)) return std::nullopt;
    ep = sign + ep;
  }
  if (k != v.size()) return std::nullopt;
  std::string text = (ip.empty() ? "0" : ip) + "." + (fp.empty() ? "0" : fp);
  if (!ep.empty()) text += "e" + ep;
  double d = decimal_to_double(text);
  return neg ? -d : d;
}

std::optional<double> first_integer(std::u32string_view s) {
  std::size_t i = 0;
  while (i < s.size() && unicode::decimal_value(s[i]) < 0) ++i;
  if (i == s.size()) return std::nullopt;
  std::string digits;
  for (; i < s.size(); ++i) {
    int v = unicode::decimal_value(s[i]);
    if (v < 0) break;
    digits.push_back(static_cast<char>('0' + v));
  }
  return decimal_to_double(digits);
}

std::string normalize(std::u32string_view s) {
  std::u32string low = unicode::lower(s);
  std::string out;
  bool gap = false;
  for (char32_t c : low) {
    if (c == U'\'') continue;
    if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9')) {
      if (gap && !out.empty()) out.push_back(' ');
      gap = false;
      out.push_back(static_cast<char>(c));
    } else {
      gap = true;
    }
  }
  return out;
}

}  // namespace sceval::parse::py
