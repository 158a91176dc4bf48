#include "task/template.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "common/error.h"

namespace sceval::task {
namespace {

// Walks the template; calls on_text for literal runs and on_field for each {name}.
void scan(std::string_view t, const std::function<void(std::string_view)>& on_text,
          const std::function<void(std::string_view)>& on_field) {
  std::size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == '{' && i + 1 < t.size() && t[i + 1] == '{') {
      on_text("{");
      i += 2;
    } else if (c == '}' && i + 1 < t.size() && t[i + 1] == '}') {
      on_text("}");
      i += 2;
    } else if (c == '{') {
      std::size_t close = t.find('}', i + 1);
      if (close == std::string_view::npos) throw Error(fmt::format("unmatched '{{' at offset {} of the template", i));
      std::string_view name = t.substr(i + 1, close - i - 1);
      if (name.empty() || name.find_first_of("{:!.[") != std::string_view::npos)
        throw Error(fmt::format("unsupported replacement field '{{{}}}' at offset {}", name, i));
      on_field(name);
      i = close + 1;
    } else if (c == '}') {
      throw Error(fmt::format("single '}}' at offset {} of the template (write '}}}}')", i));
    } else {
      std::size_t next = t.find_first_of("{}", i);
      if (next == std::string_view::npos) next = t.size();
      on_text(t.substr(i, next - i));
      i = next;
    }
  }
}

}  // namespace

std::string python_format(std::string_view tmpl, const std::map<std::string, std::string, std::less<>>& fields) {
  std::string out;
  out.reserve(tmpl.size() + 256);
  scan(
      tmpl, [&](std::string_view s) { out += s; },
      [&](std::string_view name) {
        auto it = fields.find(name);
        if (it == fields.end()) throw Error(fmt::format("template field '{{{}}}' has no value", name));
        out += it->second;
      });
  return out;
}

void check_format_fields(std::string_view tmpl, std::initializer_list<std::string_view> allowed) {
  scan(
      tmpl, [](std::string_view) {},
      [&](std::string_view name) {
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
          throw Error(fmt::format("unknown template field '{{{}}}'", name));
      });
}

}  // namespace sceval::task
