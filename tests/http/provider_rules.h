#pragma once
// The request checks the providers document, answered by the stand-in servers as the real APIs
// answer them: an HTTP 400 with the provider's error message. Written from the providers' docs,
// independently of sceval's model table (src/llm/http/model_rules.cpp), so a test against a
// stand-in fails when sceval sends what the real API would refuse.
//   OpenAI chat completions: reasoning models (o-series, GPT-5 family) refuse max_tokens (they
//   take max_completion_tokens) and any temperature but 1; other models refuse reasoning_effort;
//   top_logprobs is 0 to 20.
//   Anthropic Messages: manual thinking wants budget_tokens >= 1024 and below max_tokens; no
//   temperature but 1 with thinking; adaptive thinking exists from the 4.6 models on; Opus 4.7,
//   Mythos and Fable refuse "enabled" and "disabled"; output_config.effort is low, medium, high
//   or max.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sceval::testing {

// Why the API would refuse this request body (its 400 message), or nullopt.
std::optional<std::string> openai_refusal(const nlohmann::json& body);
std::optional<std::string> anthropic_refusal(const nlohmann::json& params);

}  // namespace sceval::testing
