#include "llm/http/model_spec.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "common/redact.h"
#include "llm/http/backend_common.h"
#include "llm/http/batch_backend.h"

namespace sceval::llm {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw Error(fmt::format("model spec \"{}\": {}", without_url_credentials(spec), why));
}

struct SettingReader {
  std::string_view spec;
  const std::string& key;
  const std::string& value;

  [[noreturn]] void fail(std::string_view expected) const {
    bad(spec, fmt::format("setting {}: expected {}, got \"{}\"", key, expected, value));
  }
  bool boolean() const {
    if (value.empty() || value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value == "0" || value == "false" || value == "no" || value == "off") return false;
    fail("1, 0, true or false");
  }
  int integer(int min) const {
    int v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || v < min) fail(fmt::format("an integer >= {}", min));
    return v;
  }
  double seconds(bool allow_zero) const {
    double v = 0;
    try {
      std::size_t used = 0;
      v = std::stod(value, &used);
      if (used != value.size()) fail("a number of seconds");
    } catch (const Error&) {
      throw;
    } catch (...) {
      fail("a number of seconds");
    }
    if (!std::isfinite(v) || v < 0 || (!allow_zero && v == 0)) fail(allow_zero ? "seconds >= 0" : "seconds > 0");
    return v;
  }
  std::string one_of(std::initializer_list<std::string_view> allowed) const {
    for (auto a : allowed)
      if (value == a) return value;
    fail(fmt::format("one of {}", fmt::join(allowed, ", ")));
  }
  std::string text() const {
    if (value.empty()) fail("a value");
    return value;
  }
};

// Settings every HTTP backend has. Returns false when `key` is not one of them.
bool apply_common(const SettingReader& r, http::TransportOptions& t, std::string& api_key_env) {
  const std::string& k = r.key;
  if (k == "concurrency")
    t.concurrency = r.integer(1);
  else if (k == "timeout")
    t.timeout_s = r.seconds(false);
  else if (k == "connect_timeout")
    t.connect_timeout_s = r.seconds(false);
  else if (k == "max_attempts")
    t.retry.max_attempts = r.integer(1);
  else if (k == "backoff")
    t.retry.initial_backoff_s = r.seconds(true);
  else if (k == "max_backoff")
    t.retry.max_backoff_s = r.seconds(true);
  else if (k == "max_retry_after")
    t.retry.max_retry_after_s = r.seconds(true);
  else if (k == "api_key_env")
    api_key_env = r.text();
  else if (is_batch_setting(k)) {
  }  // read by batch_options() (batch_backend.h)
  else
    return false;
  return true;
}

constexpr const char* kCommonKeys =
    "concurrency, timeout, connect_timeout, max_attempts, backoff, max_backoff, "
    "max_retry_after, api_key_env, batch, batch_poll, batch_max_requests, batch_attempts";

}  // namespace

bool is_http_model_spec(std::string_view spec) {
  spec = trim(spec);
  return spec.starts_with("openai:") || spec.starts_with("anthropic:");
}

ModelSpec parse_model_spec(std::string_view text) {
  const std::string_view spec = trim(text);
  ModelSpec s;
  auto colon = spec.find(':');
  if (colon == std::string_view::npos) bad(spec, "expected openai:MODEL@BASE_URL or anthropic:MODEL");
  s.provider = std::string(spec.substr(0, colon));
  if (s.provider != "openai" && s.provider != "anthropic")
    bad(spec, "unknown provider \"" + s.provider + "\" (expected openai or anthropic)");
  std::string_view rest = spec.substr(colon + 1);

  // ;KEY=VALUE settings
  std::string_view head = rest.substr(0, rest.find(';'));
  if (head.size() < rest.size()) {
    std::string_view tail = rest.substr(head.size() + 1);
    while (true) {
      std::string_view item = tail.substr(0, tail.find(';'));
      std::string_view key = trim(item.substr(0, item.find('=')));
      std::string_view value =
          item.find('=') == std::string_view::npos ? std::string_view() : trim(item.substr(item.find('=') + 1));
      if (key.empty()) bad(spec, "an empty setting (expected ;KEY=VALUE)");
      for (const auto& [k, v] : s.settings)  // one value wins silently otherwise: say which
        if (k == key) bad(spec, fmt::format("setting {} is given twice; give it once", key));
      s.settings.emplace_back(std::string(key), std::string(value));
      if (item.size() == tail.size()) break;
      tail.remove_prefix(item.size() + 1);
    }
  }

  // MODEL[@BASE_URL]: the base URL starts at "@http://" or "@https://"
  std::size_t at = head.find("@http://");
  if (at == std::string_view::npos) at = head.find("@https://");
  if (at != std::string_view::npos) {
    s.model = std::string(trim(head.substr(0, at)));
    s.base_url = http::normalize_base_url(trim(head.substr(at + 1)),
                                          fmt::format("model spec \"{}\"", without_url_credentials(spec)));
  } else {
    s.model = std::string(trim(head));
    // "m@notaurl" must not quietly become model "m@notaurl" at the provider's default endpoint.
    if (auto last = s.model.rfind('@'); last != std::string::npos)
      bad(spec, fmt::format("\"{}\" after '@' is not a base URL (expected http://HOST[:PORT]/... or https://...; "
                            "leave out '@...' for the provider's default endpoint)",
                            s.model.substr(last + 1)));
  }
  if (s.model.empty()) bad(spec, "the model name is empty");
  return s;
}

OpenAIOptions openai_options(const ModelSpec& spec) {
  if (spec.provider != "openai") throw Error("not an openai model spec: provider " + spec.provider);
  OpenAIOptions o;
  o.model = spec.model;
  if (!spec.base_url.empty()) o.base_url = spec.base_url;
  const std::string where = "openai:" + spec.model;
  // The model table decides the shape; ;reasoning=0|1 overrides it, and the two finer settings
  // override that, whatever their order.
  o.reasoning = is_openai_reasoning_model(spec.model);
  std::optional<bool> omit_temperature, max_completion_tokens;
  for (const auto& [key, value] : spec.settings) {
    SettingReader r{where, key, value};
    if (apply_common(r, o.transport, o.api_key_env)) continue;
    if (key == "omit_temperature")
      omit_temperature = r.boolean();
    else if (key == "max_completion_tokens")
      max_completion_tokens = r.boolean();
    else if (key == "reasoning")
      o.reasoning = r.boolean();
    else if (key == "reasoning_effort")
      o.reasoning_effort = r.one_of({"none", "minimal", "low", "medium", "high", "xhigh"});
    else if (key == "json_schema_strict")
      o.json_schema_strict = r.boolean();
    else
      bad(where, fmt::format("unknown setting \"{}\" (known: {}, reasoning, reasoning_effort, omit_temperature, "
                             "max_completion_tokens, json_schema_strict)",
                             key, kCommonKeys));
  }
  o.omit_temperature = omit_temperature.value_or(o.reasoning);
  o.max_completion_tokens = max_completion_tokens.value_or(o.reasoning);
  return o;
}

AnthropicOptions anthropic_options(const ModelSpec& spec) {
  if (spec.provider != "anthropic") throw Error("not an anthropic model spec: provider " + spec.provider);
  AnthropicOptions o;
  o.model = spec.model;
  if (!spec.base_url.empty()) o.base_url = spec.base_url;
  const std::string where = "anthropic:" + spec.model;
  for (const auto& [key, value] : spec.settings) {
    SettingReader r{where, key, value};
    if (apply_common(r, o.transport, o.api_key_env)) continue;
    if (key == "omit_temperature") {
      o.omit_temperature = r.boolean();
    } else if (key == "anthropic_version") {
      o.version = r.text();
    } else if (key == "thinking_budget") {
      o.thinking_budget = r.integer(kMinThinkingBudget);
    } else if (key == "effort") {
      o.effort = r.one_of({"low", "medium", "high", "max"});
    } else if (key == "thinking") {
      if (value == "omit" || value == "off" || value == "none")
        o.thinking = AnthropicThinking::Omit;
      else if (value == "disabled")
        o.thinking = AnthropicThinking::Disabled;
      else if (value == "adaptive")
        o.thinking = AnthropicThinking::Adaptive;
      else if (value == "enabled" || value.empty())
        o.thinking = AnthropicThinking::Enabled;
      else {
        o.thinking = AnthropicThinking::Enabled;
        o.thinking_budget = r.integer(kMinThinkingBudget);
      }
    } else {
      bad(where, fmt::format("unknown setting \"{}\" (known: {}, thinking, thinking_budget, effort, omit_temperature, "
                             "anthropic_version)",
                             key, kCommonKeys));
    }
  }
  return o;
}

std::string spec_without_secrets(std::string_view spec) { return without_url_credentials(spec); }

namespace {

// A retried or failed attempt as one line for the user, with the API key removed.
std::function<void(const http::AttemptEvent&)> attempt_hook(const AttemptLog& log, const std::string& key_env) {
  if (!log) return {};
  return [log, key = http::read_env(key_env)](const http::AttemptEvent& e) {
    if (e.ok) return;
    std::string line = fmt::format("request {} attempt {}: {}", e.index, e.attempt, e.reason);
    if (e.will_retry) line += fmt::format("; retrying in {:.2f} s", e.delay_s);
    log(http::redact(line, key));
  };
}

}  // namespace

std::unique_ptr<Backend> make_http_backend(const ModelSpec& spec, const AttemptLog& log, const AttemptLog& progress) {
  if (batch_options(spec).enabled) {  // batch=1: the provider's batch API
    auto b = make_batch_backend(spec);
    // Progress: states and counts; with a debug log (--log-level debug), every event with its batch id.
    b->options().on_event = [log, progress](const BatchEvent& e) {
      if (log)
        log(e.debug_line());
      else if (progress && e.kind != BatchEvent::Kind::Waiting)
        progress(e.line());
    };
    return b;
  }
  if (spec.provider == "openai") {
    auto o = openai_options(spec);
    o.transport.on_attempt = attempt_hook(log, o.api_key_env);
    return std::make_unique<OpenAIBackend>(o);
  }
  if (spec.provider == "anthropic") {
    auto o = anthropic_options(spec);
    o.transport.on_attempt = attempt_hook(log, o.api_key_env);
    return std::make_unique<AnthropicBackend>(o);
  }
  throw Error("unknown provider \"" + spec.provider + "\" (expected openai or anthropic)");
}

std::unique_ptr<Backend> make_http_backend(std::string_view spec) { return make_http_backend(parse_model_spec(spec)); }

}  // namespace sceval::llm
