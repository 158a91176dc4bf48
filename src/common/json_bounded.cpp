#include "common/json_bounded.h"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "common/error.h"

namespace sceval {
namespace {

using json = nlohmann::json;

// Builds the DOM like nlohmann's own json_sax_dom_parser, and checks keys and integers on the way.
class BoundedSax final : public nlohmann::json_sax<json> {
 public:
  BoundedSax(json& root, std::string_view text, const std::string& source, const JsonLimits& limits)
      : root_(root), text_(text), source_(source), limits_(limits) {}

  bool null() override { return put(nullptr); }
  bool boolean(bool b) override { return put(b); }
  bool number_integer(number_integer_t i) override { return put(i); }
  bool number_unsigned(number_unsigned_t u) override {
    if (limits_.int64_only && u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(fmt::format("integer {} is out of range (beyond int64)", u));
    return put(u);
  }
  bool number_float(number_float_t x, const string_t&) override { return put(x); }
  bool string(string_t& s) override { return put(std::move(s)); }
  bool binary(binary_t&) override { fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool key(string_t& k) override {
    json& obj = *stack_.back();
    labels_.back().clear();  // the path names the object, not its previous key
    if (!limits_.allow_duplicate_keys && obj.contains(k)) fail(fmt::format("duplicate key \"{}\"", k));
    labels_.back() = k;
    slot_ = &obj[k];
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    // ex.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; keep the tail.
    std::string what = ex.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    const std::size_t at = position > 0 ? position - 1 : 0;
    if (ex.id == 406)
      what = "number out of range: " + what.substr(what.find('\'') == std::string::npos ? 0 : what.find('\''));
    throw Error(fmt::format("{}:{}: invalid JSON: {}", source_, line_col(text_, at), what));
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::string path;
    for (const auto& l : labels_) {
      if (l.empty()) continue;
      path += l.front() == '[' || path.empty() ? l : "." + l;
    }
    throw Error(fmt::format("{}: {}{}", source_, path.empty() ? "" : path + ": ", what));
  }
  template <class V>
  json* place(V&& v) {
    if (stack_.empty()) {
      root_ = json(std::forward<V>(v));
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      labels_.back() = fmt::format("[{}]", top.size());
      top.emplace_back(std::forward<V>(v));
      return &top.back();
    }
    *slot_ = json(std::forward<V>(v));
    return slot_;
  }
  template <class V>
  bool put(V&& v) {
    place(std::forward<V>(v));
    return true;
  }
  bool open(json&& empty) {
    if (stack_.size() >= limits_.max_depth) fail(fmt::format("nesting deeper than {} levels", limits_.max_depth));
    stack_.push_back(place(std::move(empty)));
    labels_.emplace_back();
    return true;
  }
  bool close() {
    stack_.pop_back();
    labels_.pop_back();
    return true;
  }

  json& root_;
  std::string_view text_;
  const std::string& source_;
  const JsonLimits& limits_;
  std::vector<json*> stack_;
  std::vector<std::string> labels_;  // per open container: the key or [index] being filled
  json* slot_ = nullptr;
};

// JSON is UTF-8 (RFC 8259). A file saved as UTF-16 or UTF-32 (Windows editors, PowerShell's `>`)
// would otherwise fail as "invalid JSON ... last read: '\xFF'"; say what it is, as the CSV reader does.
void check_encoding(std::string_view text, const std::string& source) {
  if (text.starts_with(std::string_view("\xFF\xFE\0\0", 4)) || text.starts_with(std::string_view("\0\0\xFE\xFF", 4)))
    throw Error(fmt::format("{}: the file is UTF-32; save it as UTF-8", source));
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF"))
    throw Error(fmt::format("{}: the file is UTF-16; save it as UTF-8", source));
  if (text.substr(0, 4096).find('\0') != std::string_view::npos)
    throw Error(fmt::format("{}: the file holds NUL bytes (UTF-16 or binary?); expected UTF-8 text", source));
}

}  // namespace

std::string line_col(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n')
      ++line, col = 1;
    else
      ++col;
  }
  return fmt::format("{}:{}", line, col);
}

JsonDepth json_depth(std::string_view text, std::size_t limit) {
  JsonDepth d;
  std::size_t depth = 0;
  bool in_string = false, escape = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escape)
        escape = false;
      else if (c == '\\')
        escape = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > d.max_depth) d.max_depth = depth;
      if (depth > limit && d.first_over == std::string_view::npos) d.first_over = i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return d;
}

nlohmann::json parse_json_bounded(std::string_view text, const std::string& source, const JsonLimits& limits) {
  check_encoding(text, source);
  // Refuse deep nesting with a position before building anything.
  const JsonDepth d = json_depth(text, limits.max_depth);
  if (d.first_over != std::string_view::npos)
    throw Error(fmt::format("{}:{}: invalid JSON: nesting deeper than {} levels", source, line_col(text, d.first_over),
                            limits.max_depth));
  json root;
  BoundedSax sax(root, text, source, limits);
  json::sax_parse(text.begin(), text.end(), &sax);
  return root;
}

}  // namespace sceval
