#pragma once
// Internal helpers of the HTTP backends (not part of the module's interface).
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/json_bounded.h"
#include "llm/backend.h"
#include "llm/http/transport.h"

namespace sceval::llm::http {

// Server replies: bounded depth like every JSON sceval reads; duplicate keys and big integers are
// the server's business (nlohmann keeps the last key), not refused.
inline constexpr JsonLimits kReplyJsonLimits{.max_depth = 256, .allow_duplicate_keys = true, .int64_only = false};

// "http(s)://host[:port][/path]" without trailing slashes; throws sceval::Error naming `what` when
// it is not such a URL (no host, a bad port, white space...).
std::string normalize_base_url(std::string_view url, std::string_view what);
// The host part of an http(s) URL, lower case.
std::string url_host(std::string_view url);
// The value of environment variable `name`, "" when unset.
std::string read_env(const std::string& name);
// `text` with each byte of an invalid UTF-8 sequence replaced by U+FFFD (valid text unchanged).
std::string repair_utf8(std::string_view text);
// `text` with every occurrence of `secret` replaced by "***" (no-op for an empty secret).
std::string redact(std::string text, const std::string& secret);

// Sends a batch: `build` makes each request's HTTP request (a sceval::Error it throws becomes that
// request's FinishReason::Error, and the request is not sent); `parse` reads a 2xx body (a
// sceval::Error it throws makes the transport retry the attempt). `secret` is removed from every
// error message. `on_result` (optional) sees each request's final answer as soon as it is known.
std::vector<Generation> run_batch(Transport& transport, std::span<const GenerationRequest> batch,
                                  const std::function<HttpRequest(const GenerationRequest&)>& build,
                                  const std::function<Generation(std::string_view)>& parse, const std::string& secret,
                                  const ResultCallback& on_result = {});

}  // namespace sceval::llm::http
