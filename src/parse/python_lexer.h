#pragma once
// The tokenizer of ast.literal_eval's literal subset (internal; used by python_literal.cpp only).
#include <string>
#include <string_view>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parse/python_internal.h"
#include "parse/python_value.h"
#include "parse/unicode.h"

namespace sceval::parse::py::detail {

struct Token {
  enum Kind { Op, Str, Num, Name, Ellipsis, Newline, End } kind = End;
  char32_t op = 0;
  bool bytes = false;   // Str: a bytes literal
  std::u32string text;  // Str: decoded value; Name: identifier
  PyValue num;          // Num: Int, Float or Complex
};

inline bool ident_start(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || c == U'_' || c >= 0x80;
}
inline bool ident_char(char32_t c) { return ident_start(c) || ascii_digit(c); }

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
      case U'(':
      case U'[':
      case U'{':
        if (depth_ >= kLiteralMaxDepth) literal_fail("too many nested parentheses");
        ++depth_;
        return t;
      case U')':
      case U']':
      case U'}':
        if (depth_ == 0) literal_fail("unmatched closing bracket");
        --depth_;
        return t;
      case U',':
      case U':':
      case U'+':
      case U'-':
      case U'*':
      case U'/':
      case U'%':
      case U'@':
      case U'&':
      case U'|':
      case U'^':
      case U'~':
      case U'<':
      case U'>':
      case U'=':
      case U'.':
      case U';':
      case U'!':
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
        if (i_ + 1 < s_.size() && s_[i_ + 1] == U'\n')
          i_ += 2;
        else
          literal_fail("unexpected character after line continuation character");
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
        case U'\n':
          break;  // line continuation inside the string
        case U'\\':
          out.push_back(U'\\');
          break;
        case U'\'':
          out.push_back(U'\'');
          break;
        case U'"':
          out.push_back(U'"');
          break;
        case U'a':
          out.push_back(0x07);
          break;
        case U'b':
          out.push_back(0x08);
          break;
        case U'f':
          out.push_back(0x0C);
          break;
        case U'n':
          out.push_back(0x0A);
          break;
        case U'r':
          out.push_back(0x0D);
          break;
        case U't':
          out.push_back(0x09);
          break;
        case U'v':
          out.push_back(0x0B);
          break;
        case U'0':
        case U'1':
        case U'2':
        case U'3':
        case U'4':
        case U'5':
        case U'6':
        case U'7': {
          char32_t v = e - U'0';
          for (int k = 0; k < 2 && i_ < s_.size() && s_[i_] >= U'0' && s_[i_] <= U'7'; ++k, ++i_)
            v = v * 8 + (s_[i_] - U'0');
          if (bytes && v > 0xFF) literal_fail("octal escape out of range in bytes");
          out.push_back(v);
          break;
        }
        case U'x':
        case U'u':
        case U'U': {
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
          if (big)
            dv = dv * base + h;
          else
            u = u * ub + uh;
          any = true;
          ++i_;
        }
        if (!any) literal_fail("invalid number literal");
        end_of_number();
        if (big)
          v.num = dv;
        else if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          v.num = static_cast<std::int64_t>(u);
        else
          v.num = u;
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
      if (intpart.size() > 1 && intpart[0] == '0' && nonzero)
        literal_fail("leading zeros in decimal integer literals are not permitted");
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

}  // namespace sceval::parse::py::detail
