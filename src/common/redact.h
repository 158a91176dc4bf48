#pragma once
// Keeping secrets out of files: URL credentials (http://user:password@host) and API key values.
#include <string>
#include <string_view>

namespace sceval {

// Every "scheme://user:password@" in text becomes "scheme://***@" (the userinfo of each URL, up to
// the host). Text without such a URL comes back unchanged.
std::string without_url_credentials(std::string_view text);

// Keys shorter than this are not searched for in free text: redacting every "abc" in a model's
// reply would corrupt it, and such a key is no secret worth the name (docs/backends.md).
inline constexpr std::size_t kMinRedactedSecret = 8;

// Every occurrence of `secret` in text replaced by "***" (nothing when secret is empty or shorter
// than kMinRedactedSecret).
std::string redact_secret(std::string text, std::string_view secret);

}  // namespace sceval
