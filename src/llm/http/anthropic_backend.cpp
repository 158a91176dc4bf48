#include "llm/http/anthropic_backend.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/json_bounded.h"
#include "common/redact.h"
#include "llm/http/backend_common.h"
#include "llm/http/model_rules.h"

namespace sceval::llm {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// Before the first request: what the API would refuse on every request.
void check_thinking(const AnthropicOptions& o) {
  if (o.thinking == AnthropicThinking::Enabled && o.thinking_budget < kMinThinkingBudget)
    throw Error(fmt::format("Anthropic backend: thinking budget {} is below the API's minimum of {} tokens",
                            o.thinking_budget, kMinThinkingBudget));
  const auto* rule = http::find_anthropic_rule(o.model);
  if (!rule) return;  // a model the table does not know: the server decides
  using R = http::AnthropicThinkingRule;
  if (o.thinking == AnthropicThinking::Adaptive && rule->thinking == R::ManualOnly)
    throw Error(fmt::format("Anthropic backend: {} ({}) has no adaptive thinking; use ;thinking=N with N >= {} tokens",
                            o.model, rule->family, kMinThinkingBudget));
  if ((o.thinking == AnthropicThinking::Enabled || o.thinking == AnthropicThinking::Disabled) &&
      rule->thinking == R::AdaptiveOnly)
    throw Error(
        fmt::format("Anthropic backend: {} ({}) takes adaptive thinking only; use ;thinking=adaptive (with "
                    ";effort=...) or leave thinking out",
                    o.model, rule->family));
}

}  // namespace

AnthropicBackend::AnthropicBackend(AnthropicOptions options)
    : options_(std::move(options)), transport_(options_.transport) {
  if (options_.model.empty()) throw Error("Anthropic backend: the model name is empty");
  options_.base_url = http::normalize_base_url(options_.base_url, "Anthropic backend");
  check_thinking(options_);
  api_key_ = http::read_env(options_.api_key_env);
  if (api_key_.empty() && http::url_host(options_.base_url) == "api.anthropic.com")
    throw Error("Anthropic backend: the environment variable " + options_.api_key_env +
                " holds no API key (set it, or name another variable with ;api_key_env=NAME)");
}

std::string AnthropicBackend::identity() const {
  std::string id = "anthropic:" + options_.model + "@" + without_url_credentials(options_.base_url);
  if (options_.thinking == AnthropicThinking::Disabled) id += ";thinking=disabled";
  if (options_.thinking == AnthropicThinking::Enabled)
    id += fmt::format(";thinking={0};max_tokens={0}+answer", options_.thinking_budget);
  if (options_.thinking == AnthropicThinking::Adaptive) id += ";thinking=adaptive";
  if (!options_.effort.empty()) id += ";effort=" + options_.effort;
  if (options_.omit_temperature) id += ";omit_temperature";
  if (options_.version != "2023-06-01") id += ";anthropic_version=" + options_.version;
  return id;
}

ordered_json anthropic_request_body(const GenerationRequest& request, const AnthropicOptions& options) {
  const GenerateOptions& s = request.sampling;
  if (s.grammar) throw Error("the Anthropic Messages API cannot follow a grammar");
  if (s.json_schema) throw Error("the Anthropic backend does not send JSON schemas (structured outputs)");
  if (s.top_logprobs > 0) throw Error("the Anthropic Messages API gives no log-probabilities");
  if (s.max_tokens < 1) throw Error("the Anthropic Messages API needs max_tokens >= 1");

  std::string system;
  bool have_system = false;
  ordered_json messages = ordered_json::array();
  for (const auto& m : request.messages) {
    if (m.role == "system") {
      if (!messages.empty())
        throw Error("a system message after the conversation started (Anthropic takes one system prompt)");
      if (have_system) system += "\n\n";
      system += m.content;
      have_system = true;
    } else if (m.role == "user" || m.role == "assistant") {
      messages.push_back({{"role", m.role}, {"content", m.content}});
    } else {
      throw Error("message role \"" + m.role + "\" (expected system, user or assistant)");
    }
  }
  if (messages.empty()) throw Error("the conversation has no user message");

  const bool manual = options.thinking == AnthropicThinking::Enabled;
  const bool thinking = manual || options.thinking == AnthropicThinking::Adaptive;
  ordered_json body;
  body["model"] = options.model;
  // budget_tokens must stay below max_tokens, which counts thinking and answer together: the
  // request's max_tokens is the answer's share, on top of the budget.
  body["max_tokens"] = manual ? static_cast<long long>(s.max_tokens) + options.thinking_budget : s.max_tokens;
  if (have_system) body["system"] = system;
  body["messages"] = std::move(messages);
  if (!options.omit_temperature && !thinking) {
    body["temperature"] = s.temperature;
    if (s.top_p != 1.0) body["top_p"] = s.top_p;
  }
  if (options.thinking == AnthropicThinking::Disabled) body["thinking"] = {{"type", "disabled"}};
  if (manual) body["thinking"] = {{"type", "enabled"}, {"budget_tokens", options.thinking_budget}};
  if (options.thinking == AnthropicThinking::Adaptive) body["thinking"] = {{"type", "adaptive"}};
  if (!options.effort.empty()) body["output_config"] = {{"effort", options.effort}};
  return body;
}

Generation parse_anthropic_response(std::string_view body) {
  json j;
  try {
    j = parse_json_bounded(body, "reply", http::kReplyJsonLimits);
  } catch (const Error& e) {
    throw Error(fmt::format("not JSON ({})", e.what()));
  }
  if (!j.is_object()) throw Error("not a JSON object");
  if (j.value("type", std::string()) == "error") throw Error("error object: " + j.dump());
  auto content = j.find("content");
  if (content == j.end() || !content->is_array()) throw Error("no \"content\" array");
  // As the paper: all thinking text, then all text (redacted_thinking and tool blocks carry none).
  std::string thinking, text;
  for (const auto& block : *content) {
    if (!block.is_object()) throw Error("a content block is not an object");
    const std::string type = block.value("type", std::string());
    if (type == "thinking") {
      auto t = block.find("thinking");
      if (t == block.end() || !t->is_string()) throw Error("a thinking block without \"thinking\" text");
      thinking += t->get<std::string>();
    } else if (type == "text") {
      auto t = block.find("text");
      if (t == block.end() || !t->is_string()) throw Error("a text block without \"text\"");
      text += t->get<std::string>();
    }
  }
  Generation g;
  g.text = thinking + text;
  std::string stop;
  if (auto r = j.find("stop_reason"); r != j.end() && r->is_string()) stop = r->get<std::string>();
  g.finish = stop == "max_tokens" ? FinishReason::Length : FinishReason::Stop;
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    if (auto n = usage->find("input_tokens"); n != usage->end() && n->is_number_integer())
      g.prompt_tokens = n->get<int>();
    if (auto n = usage->find("output_tokens"); n != usage->end() && n->is_number_integer())
      g.completion_tokens = n->get<int>();
  }
  return g;
}

std::vector<Generation> AnthropicBackend::generate(std::span<const GenerationRequest> batch) {
  return generate_each(batch, {});
}

std::vector<Generation> AnthropicBackend::generate_each(std::span<const GenerationRequest> batch,
                                                        const ResultCallback& on_result) {
  const std::string url = options_.base_url + "/v1/messages";
  auto build = [&](const GenerationRequest& r) {
    http::HttpRequest h;
    h.url = url;
    if (!api_key_.empty()) h.headers.push_back("x-api-key: " + api_key_);
    h.headers.push_back("anthropic-version: " + options_.version);
    h.body = anthropic_request_body(r, options_).dump();
    return h;
  };
  return http::run_batch(transport_, batch, build, parse_anthropic_response, api_key_, on_result);
}

}  // namespace sceval::llm
