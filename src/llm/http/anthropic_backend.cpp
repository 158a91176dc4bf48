#include "llm/http/anthropic_backend.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/json_bounded.h"
#include "common/redact.h"
#include "llm/http/backend_common.h"

namespace sceval::llm {

using nlohmann::json;
using nlohmann::ordered_json;

AnthropicBackend::AnthropicBackend(AnthropicOptions options)
    : options_(std::move(options)), transport_(options_.transport) {
  if (options_.model.empty()) throw Error("Anthropic backend: the model name is empty");
  options_.base_url = http::normalize_base_url(options_.base_url, "Anthropic backend");
  if (options_.thinking == AnthropicThinking::Enabled && options_.thinking_budget < 1)
    throw Error(fmt::format("Anthropic backend: thinking budget must be positive, got {}", options_.thinking_budget));
  api_key_ = http::read_env(options_.api_key_env);
  if (api_key_.empty() && http::url_host(options_.base_url) == "api.anthropic.com")
    throw Error("Anthropic backend: the environment variable " + options_.api_key_env +
                " holds no API key (set it, or name another variable with ;api_key_env=NAME)");
}

std::string AnthropicBackend::identity() const {
  std::string id = "anthropic:" + options_.model + "@" + without_url_credentials(options_.base_url);
  if (options_.thinking == AnthropicThinking::Disabled) id += ";thinking=disabled";
  if (options_.thinking == AnthropicThinking::Enabled) id += fmt::format(";thinking={}", options_.thinking_budget);
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
      if (!messages.empty()) throw Error("a system message after the conversation started (Anthropic takes one system prompt)");
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

  const bool thinking = options.thinking == AnthropicThinking::Enabled;
  ordered_json body;
  body["model"] = options.model;
  body["max_tokens"] = s.max_tokens;
  if (have_system) body["system"] = system;
  body["messages"] = std::move(messages);
  if (!options.omit_temperature && !thinking) {
    body["temperature"] = s.temperature;
    if (s.top_p != 1.0) body["top_p"] = s.top_p;
  }
  if (options.thinking == AnthropicThinking::Disabled) body["thinking"] = {{"type", "disabled"}};
  if (thinking) body["thinking"] = {{"type", "enabled"}, {"budget_tokens", options.thinking_budget}};
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
    if (auto n = usage->find("input_tokens"); n != usage->end() && n->is_number_integer()) g.prompt_tokens = n->get<int>();
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
