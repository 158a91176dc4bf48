#pragma once
// Model specs for the HTTP backends (docs/backends.md):
//
//   openai:MODEL@BASE_URL[;KEY=VALUE...]     e.g. openai:qwen2.5-7b@http://127.0.0.1:8080/v1
//   openai:MODEL[;KEY=VALUE...]              base URL https://api.openai.com/v1
//   anthropic:MODEL[@BASE_URL][;KEY=VALUE...] base URL https://api.anthropic.com
//
// Settings (all optional): concurrency, timeout, connect_timeout (seconds), max_attempts,
// backoff, max_backoff, max_retry_after (seconds), api_key_env; OpenAI: reasoning,
// reasoning_effort, omit_temperature, max_completion_tokens, json_schema_strict; Anthropic:
// thinking (omit|disabled|adaptive|enabled|N tokens), thinking_budget, effort, omit_temperature,
// anthropic_version. A boolean setting without "=VALUE" is true.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llm/backend.h"
#include "llm/http/anthropic_backend.h"
#include "llm/http/openai_backend.h"

namespace sceval::llm {

struct ModelSpec {
  std::string provider;  // "openai" or "anthropic"
  std::string model;
  std::string base_url;                                       // as written; empty = the provider's default
  std::vector<std::pair<std::string, std::string>> settings;  // in order; value "" = flag without value
};

// True when `spec` names an HTTP backend ("openai:..." or "anthropic:...").
bool is_http_model_spec(std::string_view spec);

// Splits a spec. Throws sceval::Error quoting the spec and saying what was expected.
ModelSpec parse_model_spec(std::string_view spec);

// Backend options from a spec: provider defaults (reasoning models by the model table,
// model_rules.h: omit_temperature and max_completion_tokens), then the settings in order. Throws sceval::Error on an
// unknown setting or a bad value. Apply the settings of `spec` only (no environment is read here).
OpenAIOptions openai_options(const ModelSpec& spec);
AnthropicOptions anthropic_options(const ModelSpec& spec);

// `spec` (or a URL, or an identity) with any user:password@ in its URLs replaced by ***@, for
// results.json and logs.
std::string spec_without_secrets(std::string_view spec);

// What to tell the user about a retried or failed attempt (--log-level debug), key removed.
using AttemptLog = std::function<void(const std::string& line)>;

// The backend a spec names (reads the API key from the environment). `log`: debug lines (retried
// requests, batch events with ids); `progress`: batch states and counts for the user (none when
// empty, e.g. under --quiet).
std::unique_ptr<Backend> make_http_backend(const ModelSpec& spec, const AttemptLog& log = {},
                                           const AttemptLog& progress = {});
std::unique_ptr<Backend> make_http_backend(std::string_view spec);

}  // namespace sceval::llm
