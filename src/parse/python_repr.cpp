// Python's text views of values: repr()/str(), json.dumps of a str, float repr and float(),
// and the paper's regex helpers (first_integer, normalize).
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
    case Json::value_t::null:
      append_ascii(out, "None");
      return;
    case Json::value_t::boolean:
      append_ascii(out, v.get<bool>() ? "True" : "False");
      return;
    case Json::value_t::number_integer:
      append_ascii(out, std::to_string(v.get<std::int64_t>()));
      return;
    case Json::value_t::number_unsigned:
      append_ascii(out, std::to_string(v.get<std::uint64_t>()));
      return;
    case Json::value_t::number_float:
      append_ascii(out, float_repr(v.get<double>()));
      return;
    case Json::value_t::string:
      repr_string(out, unicode::decode_utf8(v.get_ref<const std::string&>()));
      return;
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
    default:
      append_ascii(out, "None");
      return;  // binary/discarded: never produced here
  }
}

}  // namespace

std::u32string json_dumps_string(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size() + 2);
  out.push_back(U'"');
  auto u = [&](unsigned v) { append_ascii(out, "\\u" + hex4(v, 4)); };
  for (char32_t c : s) {
    switch (c) {
      case U'"':
        append_ascii(out, "\\\"");
        break;
      case U'\\':
        append_ascii(out, "\\\\");
        break;
      case U'\n':
        append_ascii(out, "\\n");
        break;
      case U'\r':
        append_ascii(out, "\\r");
        break;
      case U'\t':
        append_ascii(out, "\\t");
        break;
      case U'\b':
        append_ascii(out, "\\b");
        break;
      case U'\f':
        append_ascii(out, "\\f");
        break;
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
  // Strings are appended piecewise: `"." + std::string&&` trips GCC 12's -Wrestrict (bug 105651).
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out.append("0.").append(static_cast<std::size_t>(-decpt), '0').append(digits);
    } else if (decpt >= nd) {
      out += digits + std::string(static_cast<std::size_t>(decpt - nd), '0') + ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(decpt))
          .append(".")
          .append(digits, static_cast<std::size_t>(decpt));
    }
  } else {
    out.push_back(digits[0]);
    if (nd > 1) out.append(".").append(digits, 1);
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
    if (unicode::is_space(c))
      t.push_back(' ');
    else if (int v = unicode::decimal_value(c); v >= 0)
      t.push_back(static_cast<char>('0' + v));
    else if (c < 0x80 && c != 0)
      t.push_back(static_cast<char>(c));
    else
      return std::nullopt;
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
  for (std::size_t k = i; k < v.size(); ++k)
    rest.push_back(static_cast<char>(v[k] >= 'A' && v[k] <= 'Z' ? v[k] + 32 : v[k]));
  if (rest == "inf" || rest == "infinity")
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
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
