#pragma once
// Shared by the libFuzzer targets: invariant checks that trap (the fuzzer reports a crash) and
// splitting one input into several files.
#include <string>
#include <string_view>
#include <vector>

namespace sceval::fuzz {

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Parts of `text` separated by lines "=====" (a run directory's files in one input).
inline std::vector<std::string_view> split_parts(std::string_view text, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  constexpr std::string_view sep = "\n=====\n";
  while (parts.size() + 1 < max_parts) {
    const auto p = text.find(sep);
    if (p == std::string_view::npos) break;
    parts.push_back(text.substr(0, p));
    text.remove_prefix(p + sep.size());
  }
  parts.push_back(text);
  return parts;
}

}  // namespace sceval::fuzz
