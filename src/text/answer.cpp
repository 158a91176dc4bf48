#include "text/answer.h"

#include <algorithm>
#include <cctype>

#include "parse/answer.h"

namespace sceval::text {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reasoning models think first: only what follows the last "</think>" is the reply.
std::string_view strip_thinking(std::string_view reply) {
  auto pos = reply.rfind("</think>");
  return pos == std::string_view::npos ? reply : reply.substr(pos + 8);
}

bool is_decoration(char c) {
  return std::isspace(static_cast<unsigned char>(c)) ||
         std::string_view("\"'`*_[]<>").find(c) != std::string_view::npos;
}

std::string_view trim_decoration(std::string_view s) {
  while (!s.empty() && is_decoration(s.front())) s.remove_prefix(1);
  while (!s.empty() && (is_decoration(s.back()) || s.back() == '.' || s.back() == '!')) s.remove_suffix(1);
  return s;
}

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Code fences around a revision (```text ... ```) are layout, not text.
std::string_view strip_fences(std::string_view s) {
  s = trim_space(s);
  if (s.substr(0, 3) != "```") return s;
  auto nl = s.find('\n');
  if (nl == std::string_view::npos) return s;
  s.remove_prefix(nl + 1);
  if (auto end = s.rfind("```"); end != std::string_view::npos) s = s.substr(0, end);
  return trim_space(s);
}

// Position after the last occurrence of `marker` (case-insensitive), or npos.
std::size_t after_last(std::string_view text, std::string_view marker) {
  auto pos = lower(text).rfind(marker);
  return pos == std::string::npos ? std::string_view::npos : pos + marker.size();
}

// Markdown around a revision is layout: the closing emphasis of a bold marker ("**REVISED SCENARIO:**
// text"), a blockquote ("> text" on every line) and emphasis wrapping the whole text ("**text**").
std::string strip_markdown(std::string_view s) {
  // The closing emphasis of the marker follows it at once; "**text**" after a space is a wrap.
  while (!s.empty() && (s.front() == '*' || s.front() == '_')) s.remove_prefix(1);
  s = trim_space(s);
  std::string out;
  bool quoted = !s.empty();
  for (std::size_t at = 0; at <= s.size() && quoted;) {
    const std::size_t nl = std::min(s.find('\n', at), s.size());
    const std::string_view line = trim_space(s.substr(at, nl - at));
    if (!line.empty() && line.front() != '>') quoted = false;
    at = nl + 1;
  }
  if (quoted) {
    for (std::size_t at = 0; at <= s.size();) {
      const std::size_t nl = std::min(s.find('\n', at), s.size());
      std::string_view line = trim_space(s.substr(at, nl - at));
      if (!line.empty()) line = trim_space(line.substr(1));
      out += std::string(line) + (nl < s.size() ? "\n" : "");
      at = nl + 1;
    }
  } else {
    out = std::string(s);
  }
  for (std::string_view wrap : {"**", "__", "*", "_"}) {
    const std::string_view t = out;
    if (t.size() > 2 * wrap.size() && t.starts_with(wrap) && t.ends_with(wrap) &&
        t.substr(wrap.size(), t.size() - 2 * wrap.size()).find(wrap) == std::string_view::npos) {
      out = std::string(trim_space(t.substr(wrap.size(), t.size() - 2 * wrap.size())));
      break;
    }
  }
  return out;
}

// Whether `text` holds `word` as a whole word (case-insensitive; `text` already lower-case).
bool has_word(const std::string& text, const std::string& word) {
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool start = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const std::size_t end = at + word.size();
    if (start && (end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end])))) return true;
  }
  return false;
}

std::string_view first_line(std::string_view s) {
  s = trim_space(s);
  return s.substr(0, s.find('\n'));
}

}  // namespace

int match_option(const std::vector<std::string>& options, std::string_view answer) {
  const std::string a = lower(trim_decoration(answer));
  int best = -1;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < options.size(); ++i) {
    const std::string o = lower(options[i]);
    if (o.empty() || a.compare(0, o.size(), o) != 0) continue;
    // The option must end at a word boundary: "positive" is not "positively".
    if (a.size() > o.size() && std::isalnum(static_cast<unsigned char>(a[o.size()]))) continue;
    if (o.size() > best_len) best = static_cast<int>(i), best_len = o.size();
  }
  if (best < 0) return best;
  // A hedge is not an answer: "positive or negative" names another option after the first.
  const std::string rest = a.substr(best_len);
  for (std::size_t i = 0; i < options.size(); ++i)
    if (static_cast<int>(i) != best && !options[i].empty() && has_word(rest, lower(options[i]))) return -2;
  return best;
}

ParsedAnswer parse_answer(const TextTask& t, std::string_view reply) {
  reply = strip_thinking(reply);
  ParsedAnswer p;
  if (t.format == AnswerFormat::Json) {
    const parse::Answer a = parse::extract_answer(reply, "answer");
    if (a.json.failure != parse::JsonFailure::None) {
      p.reason = a.json.failure == parse::JsonFailure::NoJson ? "no_json" : "malformed_json";
      return p;
    }
    if (a.text == "NA" || a.text.empty()) {
      p.reason = "missing_key";
      return p;
    }
    p.text = a.text;
  } else {
    // Without a marker, a reply that is nothing but an option is still that option.
    const std::size_t at = after_last(reply, lower(t.answer_marker));
    p.text = std::string(at == std::string_view::npos ? trim_space(reply) : first_line(reply.substr(at)));
    if (at == std::string_view::npos && match_option(t.options, p.text) < 0) {
      p.reason = "no_marker";
      return p;
    }
  }
  if (trim_decoration(p.text).empty()) {
    p.reason = "empty";
    return p;
  }
  p.label = match_option(t.options, p.text);
  if (p.label == -2) p.reason = "ambiguous";
  if (p.label < 0) p.label = -1, p.reason = p.reason.empty() ? "unknown_label" : p.reason;
  return p;
}

ParsedRevision parse_revision(const TextTask& t, std::string_view reply) {
  reply = strip_thinking(reply);
  ParsedRevision p;
  if (t.format == AnswerFormat::Json) {
    const parse::Answer a = parse::extract_answer(reply, "revised");
    if (a.json.failure != parse::JsonFailure::None) {
      p.reason = a.json.failure == parse::JsonFailure::NoJson ? "no_json" : "malformed_json";
      return p;
    }
    if (!a.is_string || a.text == "NA") {
      p.reason = "missing_key";
      return p;
    }
    p.text = std::string(trim_space(a.text));
  } else {
    const std::size_t at = after_last(reply, lower(t.revision_marker));
    if (at == std::string_view::npos) {
      p.reason = "no_marker";
      return p;
    }
    std::string_view rest = reply.substr(at);
    // An answer line after the revision belongs to the reply, not to the text.
    if (auto ans = lower(rest).find("\n" + lower(t.answer_marker)); ans != std::string::npos)
      rest = rest.substr(0, ans);
    const std::string plain = strip_markdown(rest);
    rest = strip_fences(plain);
    if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') rest = rest.substr(1, rest.size() - 2);
    p.text = std::string(trim_space(rest));
  }
  if (p.text.empty()) {
    p.reason = "empty";
    return p;
  }
  p.found = true;
  return p;
}

}  // namespace sceval::text
