#pragma once
// A Claude model through Anthropic's Messages API (POST {base_url}/v1/messages, anthropic-version
// 2023-06-01). System messages go to the top-level `system` field; the reply is the text of the
// thinking blocks followed by the text of the text blocks, exactly as the paper's AnthropicClient
// returned it. Same transport and retry policy as the OpenAI backend; 529 (overloaded) is retried.
// See docs/backends.md.
#include <string>

#include <nlohmann/json.hpp>

#include "llm/backend.h"
#include "llm/http/transport.h"

namespace sceval::llm {

enum class AnthropicThinking {
  Omit,      // no `thinking` field (models without extended thinking; the paper's non-reasoning models)
  Disabled,  // {"type": "disabled"}: what the paper sent to its reasoning models by default
  Enabled,   // {"type": "enabled", "budget_tokens": thinking_budget}: manual extended thinking
  Adaptive,  // {"type": "adaptive"}: the model decides how much to think (Claude 4.6 and later)
};

// The API's smallest budget_tokens for manual extended thinking.
inline constexpr int kMinThinkingBudget = 1024;

struct AnthropicOptions {
  std::string model;
  std::string base_url = "https://api.anthropic.com";  // the endpoint is base_url + "/v1/messages"
  std::string api_key_env = "ANTHROPIC_API_KEY";
  std::string version = "2023-06-01";  // anthropic-version header
  AnthropicThinking thinking = AnthropicThinking::Omit;
  // The paper's budget_tokens. The API wants it below max_tokens, which counts thinking and answer
  // together: each request asks for max_tokens = budget + its own max_tokens (the answer's share).
  int thinking_budget = 10000;
  std::string effort;  // "" = not sent; else output_config.effort: low | medium | high | max
  // No temperature / top_p in the request. Implied by thinking = Enabled or Adaptive: the API
  // accepts no temperature other than 1 with extended thinking.
  bool omit_temperature = false;
  http::TransportOptions transport;
};

class AnthropicBackend final : public Backend {
 public:
  // Reads the key from the environment variable named in options. Throws sceval::Error when the
  // base URL is not http(s), when api.anthropic.com is used and the variable is unset, when the
  // thinking budget is below 1024, or when the model table (model_rules.h) says the model refuses
  // the thinking mode asked for (adaptive on a model before 4.6; enabled or disabled on an
  // adaptive-only model).
  explicit AnthropicBackend(AnthropicOptions options);

  // "anthropic:MODEL@BASE_URL", plus ";thinking=disabled|adaptive|N;max_tokens=N+answer",
  // ";effort=E" and ";omit_temperature" when set: what changes the request is in the model info.
  std::string identity() const override;
  // A request with a grammar, a JSON schema or top_logprobs > 0 fails (FinishReason::Error)
  // without being sent: the Messages API cannot honour them.
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override;
  std::vector<Generation> generate_each(std::span<const GenerationRequest> batch,
                                        const ResultCallback& on_result) override;
  bool answers_independent_of_batch() const override { return true; }

  const AnthropicOptions& options() const { return options_; }

 private:
  AnthropicOptions options_;
  std::string api_key_;
  http::Transport transport_;
};

// The JSON body for one request. Throws sceval::Error when the request cannot be expressed (see
// generate(); also a system message after a user or assistant turn, or no user turn at all).
nlohmann::ordered_json anthropic_request_body(const GenerationRequest& request, const AnthropicOptions& options);

// Reads a Messages API response (type "message"): thinking text + text, stop_reason ("max_tokens"
// = Length), usage.input_tokens / output_tokens. Throws sceval::Error when it is not usable.
Generation parse_anthropic_response(std::string_view body);

}  // namespace sceval::llm
