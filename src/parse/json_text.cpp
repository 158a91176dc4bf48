// Port of utils.parse_json_from_text (HarryMayne/SCEs, src/utils.py, MIT, Copyright (c) 2025
// Harry Mayne). Each helper keeps the Python helper's name and behaviour, quirks included.
#include "parse/json_text.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "parse/python.h"
#include "parse/repairs.h"
#include "parse/unicode.h"

namespace sceval::parse {

std::string_view to_string(JsonFailure f) {
  switch (f) {
    case JsonFailure::None:
      return "none";
    case JsonFailure::NoJson:
      return "no_json";
    case JsonFailure::Malformed:
      return "malformed";
  }
  return "?";
}

std::string_view to_string(JsonRepair r) {
  switch (r) {
    case JsonRepair::None:
      return "none";
    case JsonRepair::Json:
      return "json";
    case JsonRepair::PythonLiteral:
      return "python_literal";
    case JsonRepair::QuotedJson:
      return "quoted_json";
    case JsonRepair::QuotedLiteral:
      return "quoted_literal";
    case JsonRepair::RegexFixedJson:
      return "regex_fixed_json";
    case JsonRepair::RegexFixedLiteral:
      return "regex_fixed_literal";
  }
  return "?";
}

namespace repairs {

std::u32string strip_code_fences(std::u32string_view s) {
  const std::size_t n = s.size(), npos = std::u32string_view::npos;
  // next_fence[p]: first "```" at or after p (the lazy (.*?)``` match).
  std::vector<std::size_t> next_fence(n + 1, npos);
  for (std::size_t p = n; p-- > 0;)
    next_fence[p] = (p + 3 <= n && s[p] == U'`' && s[p + 1] == U'`' && s[p + 2] == U'`') ? p : next_fence[p + 1];
  std::u32string out;
  out.reserve(n);
  std::size_t i = 0;
  while (i < n) {
    if (next_fence[i] == i) {
      std::size_t j = i + 3;
      bool matched = false;
      // (?:json)? is tried with "json" first, then without.
      for (int with_json = 1; with_json >= 0 && !matched; --with_json) {
        std::size_t k = j;
        if (with_json) {
          if (s.substr(j, 4) != U"json") continue;
          k = j + 4;
        }
        // \s*\n: greedy whitespace backing off to its last newline.
        std::size_t last_nl = npos;
        for (; k < n && unicode::is_space(s[k]); ++k)
          if (s[k] == U'\n') last_nl = k;
        if (last_nl == npos) continue;
        std::size_t content = last_nl + 1;
        std::size_t close = next_fence[content];
        if (close == npos) continue;
        out.append(s.substr(content, close - content));
        i = close + 3;
        matched = true;
      }
      if (matched) continue;
    }
    out.push_back(s[i++]);
  }
  return out;
}

std::optional<Candidate> find_candidate(std::u32string_view s) {
  for (auto [opener, closer] : {std::pair{U'{', U'}'}, std::pair{U'[', U']'}}) {
    std::size_t start = s.find(opener);
    if (start == std::u32string_view::npos) continue;
    std::size_t depth = 0;
    for (std::size_t i = start; i < s.size(); ++i) {
      if (s[i] == opener)
        ++depth;
      else if (s[i] == closer)
        --depth;
      if (depth == 0) return Candidate{std::u32string(s.substr(start, i + 1 - start)), 0, closer};
    }
    return Candidate{std::u32string(s.substr(start)), depth, closer};
  }
  return std::nullopt;  // the Python prints "No JSON object or array found in text" and fails
}

std::u32string fix_single_quoted_values(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0, n = s.size();
  while (i < n) {
    char32_t ch = s[i];
    if (ch == U'"') {  // keep existing double-quoted strings
      out.push_back(ch);
      ++i;
      while (i < n) {
        out.push_back(s[i]);
        if (s[i] == U'"' && s[i - 1] != U'\\') {
          ++i;
          break;
        }
        ++i;
      }
    } else if (ch == U'\'') {  // convert single-quoted *values*
      ++i;
      std::u32string buf;
      while (i < n) {
        char32_t c = s[i];
        if (c == U'\\' && i + 1 < n) {
          buf.append(s.substr(i, 2));
          i += 2;
        } else if (c == U'\'') {
          ++i;
          break;
        } else {
          buf.push_back(c);
          ++i;
        }
      }
      out += py::json_dumps_string(buf);
    } else {
      out.push_back(ch);
      ++i;
    }
  }
  return out;
}

std::u32string escape_interior_double_quotes(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0, n = s.size();
  while (i < n) {
    if (s[i] == U'"') {
      out.push_back(U'"');
      ++i;
      std::size_t start = i;
      while (i < n && !(s[i] == U'"' && s[i - 1] != U'\\')) ++i;
      // content.replace('"', '\\"'): the only quotes left inside are the escaped ones, so this
      // turns \" into \\" (the Python does the same).
      for (char32_t c : s.substr(start, i - start)) {
        if (c == U'"') out.push_back(U'\\');
        out.push_back(c);
      }
      if (i < n) {
        out.push_back(U'"');
        ++i;
      }
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

namespace {

bool key_char(char32_t c) {  // [A-Za-z0-9_\-\' ]
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') || c == U'_' || c == U'-' ||
         c == U'\'' || c == U' ';
}

void append_ascii(std::u32string& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<unsigned char>(c));
}

// re.sub(r'(?P<prefix>[\{,\[])\s*(?P<key>[A-Za-z0-9_\-\' ]+?)\s*:', ...) -> prefix + ' "key":'
// with key = key.strip().strip("'").
std::u32string quote_keys(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0, n = s.size();
  while (i < n) {
    char32_t c = s[i];
    if (c == U'{' || c == U',' || c == U'[') {
      std::size_t k0 = i + 1;
      while (k0 < n && unicode::is_space(s[k0])) ++k0;
      if (k0 < n && key_char(s[k0])) {
        std::size_t L = k0;
        while (L < n && key_char(s[L])) ++L;
        std::size_t M = L;
        while (M < n && unicode::is_space(s[M])) ++M;
        if (M < n && s[M] == U':') {
          // The lazy key ends where the whitespace before ':' begins (at least one character).
          std::size_t t = L;
          while (t > k0 && s[t - 1] == U' ') --t;
          std::size_t e = std::max(k0 + 1, t);
          std::u32string_view key = unicode::strip(s.substr(k0, e - k0));
          while (!key.empty() && key.front() == U'\'') key.remove_prefix(1);
          while (!key.empty() && key.back() == U'\'') key.remove_suffix(1);
          out.push_back(c);
          append_ascii(out, " \"");
          out.append(key);
          append_ascii(out, "\":");
          i = M + 1;
          continue;
        }
      } else if (k0 < n && s[k0] == U':') {
        // Backtracking gives the key one ASCII space of the leading whitespace: key "".
        bool space = false;
        for (std::size_t p = i + 1; p < k0; ++p) space = space || s[p] == U' ';
        if (space) {
          out.push_back(c);
          append_ascii(out, " \"\":");
          i = k0 + 1;
          continue;
        }
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

}  // namespace

std::u32string regex_fixes(std::u32string_view src) {
  // Curly quotes -> straight quotes.
  std::u32string s(src);
  for (char32_t& c : s) {
    if (c == 0x201C || c == 0x201D)
      c = U'"';
    else if (c == 0x2018 || c == 0x2019)
      c = U'\'';
  }
  std::u32string t;
  t.reserve(s.size());
  // re.sub(r'`([^`]*)`', r'"\1"', s): back-ticks -> quotes.
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == U'`') {
      std::size_t j = s.find(U'`', i + 1);
      if (j != std::u32string::npos) {
        t.push_back(U'"');
        t.append(s, i + 1, j - i - 1);
        t.push_back(U'"');
        i = j + 1;
        continue;
      }
    }
    t.push_back(s[i++]);
  }
  s.swap(t);
  t.clear();
  // re.sub(r'//.*?$|#.*?$', '', s, flags=re.MULTILINE): "comments" to the end of the line.
  for (std::size_t i = 0; i < s.size();) {
    if ((s[i] == U'/' && i + 1 < s.size() && s[i + 1] == U'/') || s[i] == U'#') {
      std::size_t j = s.find(U'\n', i);
      i = j == std::u32string::npos ? s.size() : j;
      continue;
    }
    t.push_back(s[i++]);
  }
  s.swap(t);
  t.clear();
  // re.sub(r"[\x00-\x1f]+", "", s): control characters.
  for (char32_t c : s)
    if (c > 0x1F) t.push_back(c);
  s.swap(t);
  t.clear();
  // Quote bare or single-quoted keys.
  s = quote_keys(s);
  // re.sub(r'([\]\}"\d])\s+([\{\["\w])', r"\1, \2", s): add "missing" commas.
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = s[i];
    if ((c == U']' || c == U'}' || c == U'"' || unicode::decimal_value(c) >= 0) && i + 1 < s.size() &&
        unicode::is_space(s[i + 1])) {
      std::size_t j = i + 1;
      while (j < s.size() && unicode::is_space(s[j])) ++j;
      if (j < s.size() && (s[j] == U'{' || s[j] == U'[' || s[j] == U'"' || unicode::is_word(s[j]))) {
        t.push_back(c);
        append_ascii(t, ", ");
        t.push_back(s[j]);
        i = j + 1;
        continue;
      }
    }
    t.push_back(c);
    ++i;
  }
  s.swap(t);
  t.clear();
  // re.sub(r",\s*([\}\]])", r"\1", s): trailing commas.
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == U',') {
      std::size_t j = i + 1;
      while (j < s.size() && unicode::is_space(s[j])) ++j;
      if (j < s.size() && (s[j] == U'}' || s[j] == U']')) {
        t.push_back(s[j]);
        i = j + 1;
        continue;
      }
    }
    t.push_back(s[i++]);
  }
  return t;
}

}  // namespace repairs

JsonParse parse_json_from_text(std::string_view text) noexcept {
  JsonParse r;
  try {
    std::u32string clean = repairs::strip_code_fences(unicode::decode_utf8(text));
    auto cand = repairs::find_candidate(clean);
    if (!cand) {
      r.failure = JsonFailure::NoJson;
      r.detail = "no '{' or '[' in the text";
      return r;
    }
    std::u32string candidate = std::move(cand->text);
    candidate.append(cand->unbalanced, cand->closer);  // auto-close
    r.closers_added = cand->unbalanced;

    std::string first_error, error;
    auto attempt = [&](std::u32string_view s, JsonRepair as_json, JsonRepair as_literal) {
      if (auto v = py::json_loads(s, &error)) {
        r.value = std::move(*v);
        r.repair = as_json;
        return true;
      }
      if (first_error.empty()) first_error = error;
      std::string ignored;
      if (auto v = py::literal_eval_json(s, &ignored)) {
        r.value = std::move(*v);
        r.repair = as_literal;
        return true;
      }
      return false;
    };
    if (attempt(candidate, JsonRepair::Json, JsonRepair::PythonLiteral)) return r;
    // heavy-duty fixes
    candidate = repairs::escape_interior_double_quotes(repairs::fix_single_quoted_values(candidate));
    if (attempt(candidate, JsonRepair::QuotedJson, JsonRepair::QuotedLiteral)) return r;
    candidate = repairs::escape_interior_double_quotes(repairs::regex_fixes(candidate));
    if (attempt(candidate, JsonRepair::RegexFixedJson, JsonRepair::RegexFixedLiteral)) return r;
    r.failure = JsonFailure::Malformed;
    r.detail = "no repair made the JSON parse (json.loads: " + first_error + ")";
  } catch (const std::exception& e) {
    r = JsonParse{};
    r.failure = JsonFailure::Malformed;
    r.detail = std::string("internal error: ") + e.what();
  } catch (...) {
    r = JsonParse{};
    r.failure = JsonFailure::Malformed;
    r.detail = "internal error";
  }
  return r;
}

}  // namespace sceval::parse
