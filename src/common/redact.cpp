#include "common/redact.h"

#include <algorithm>

namespace sceval {

std::string without_url_credentials(std::string_view text) {
  std::string out(text);
  for (std::size_t p = 0; (p = out.find("://", p)) != std::string::npos;) {
    p += 3;
    // The authority ends at the path, query, fragment, a list separator or white space.
    const std::size_t end = std::min(out.find_first_of("/,;?# \t\r\n\"'<>", p), out.size());
    const std::size_t at = out.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= p && at < end && out.compare(p, at - p, "***") != 0)
      out.replace(p, at - p, "***");
  }
  return out;
}

std::string redact_secret(std::string text, std::string_view secret) {
  if (secret.size() < kMinRedactedSecret) return text;
  for (std::size_t p = 0; (p = text.find(secret, p)) != std::string::npos; p += 3)
    text.replace(p, secret.size(), "***");
  return text;
}

}  // namespace sceval
