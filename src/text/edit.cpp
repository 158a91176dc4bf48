#include "text/edit.h"

#include <edlib.h>

#include <algorithm>
#include <cctype>
#include <dtl/dtl.hpp>
#include <map>

namespace sceval::text {

namespace {

// UTF-8 -> code points; a byte that starts no valid sequence stands for itself (0xDC00 + byte), so
// any input has a distance.
std::vector<char32_t> decode(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      ok = (d >> 6) == 2;
      cp = (cp << 6) | (d & 0x3F);
    }
    out.push_back(ok ? cp : 0xDC00 + c);
    i += ok ? n : 1;
  }
  return out;
}

// The textbook dynamic programme, for the rare pair with more than 256 distinct code points
// (edlib's alphabet limit).
std::size_t levenshtein_dp(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) || c == '_' || c == '\'';
}

}  // namespace

std::size_t code_points(std::string_view s) { return decode(s).size(); }

std::size_t levenshtein(std::string_view a, std::string_view b) {
  const auto ca = decode(a), cb = decode(b);
  if (ca.empty() || cb.empty()) return std::max(ca.size(), cb.size());
  // edlib compares bytes: code points are renamed to byte values (one name per distinct code point).
  std::map<char32_t, char> names;
  std::string ra, rb;
  for (const auto* in : {&ca, &cb})
    for (char32_t cp : *in) {
      auto it = names.emplace(cp, static_cast<char>(names.size())).first;
      if (names.size() > 256) return levenshtein_dp(ca, cb);
      (in == &ca ? ra : rb).push_back(it->second);
    }
  const EdlibAlignResult r = edlibAlign(ra.data(), static_cast<int>(ra.size()), rb.data(), static_cast<int>(rb.size()),
                                        edlibDefaultAlignConfig());
  const int d = r.editDistance;
  edlibFreeAlignResult(r);
  return d < 0 ? levenshtein_dp(ca, cb) : static_cast<std::size_t>(d);
}

double levenshtein_normalized(std::string_view a, std::string_view b) {
  const std::size_t n = std::max(code_points(a), code_points(b));
  return n == 0 ? 0.0 : static_cast<double>(levenshtein(a, b)) / static_cast<double>(n);
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < text.size()) {
    Token t;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) t.space.push_back(text[i++]);
    if (i == text.size()) break;  // trailing whitespace is layout, not a token
    if (is_word_byte(text[i])) {
      while (i < text.size() && is_word_byte(text[i])) t.word.push_back(text[i++]);
    } else {
      t.word.push_back(text[i++]);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::size_t Hunk::words() const { return std::max(orig_end - orig_begin, rev_end - rev_begin); }

EditScript diff(std::string_view original, std::string_view revised) {
  EditScript e;
  e.original = tokenize(original);
  e.revised = tokenize(revised);
  std::vector<std::string> a, b;
  for (const auto& t : e.original) a.push_back(t.word);
  for (const auto& t : e.revised) b.push_back(t.word);
  dtl::Diff<std::string, std::vector<std::string>> d(a, b);
  d.compose();
  // Walk the shortest edit script, tracking positions in both sequences; a run of additions and
  // deletions between two common tokens is one hunk.
  std::size_t i = 0, j = 0;
  bool open = false;
  for (const auto& [elem, info] : d.getSes().getSequence()) {
    if (info.type == dtl::SES_COMMON) {
      open = false;
      ++i, ++j;
      continue;
    }
    if (!open) e.hunks.push_back({i, i, j, j}), open = true;
    if (info.type == dtl::SES_DELETE) e.hunks.back().orig_end = ++i;
    if (info.type == dtl::SES_ADD) e.hunks.back().rev_end = ++j;
  }
  return e;
}

std::string EditScript::apply(const std::vector<bool>& chosen) const {
  std::string out;
  std::size_t i = 0;
  auto append = [&out](const Token& t) { out += t.space, out += t.word; };
  for (std::size_t h = 0; h < hunks.size(); ++h) {
    for (; i < hunks[h].orig_begin; ++i) append(original[i]);
    if (chosen[h]) {
      for (std::size_t j = hunks[h].rev_begin; j < hunks[h].rev_end; ++j) append(revised[j]);
    } else {
      for (; i < hunks[h].orig_end; ++i) append(original[i]);
    }
    i = hunks[h].orig_end;
  }
  for (; i < original.size(); ++i) append(original[i]);
  return out;
}

std::string EditScript::apply_subset(const std::vector<std::size_t>& subset) const {
  std::vector<bool> chosen(hunks.size(), false);
  for (std::size_t h : subset) chosen.at(h) = true;
  return apply(chosen);
}

std::size_t EditScript::words(const std::vector<std::size_t>& subset) const {
  std::size_t n = 0;
  for (std::size_t h : subset) n += hunks.at(h).words();
  return n;
}

}  // namespace sceval::text
