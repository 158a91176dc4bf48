#pragma once
// What each hosted model family accepts, in one table per provider: the model name's prefix decides
// the request shape (docs/backends.md, "Model families" shows the same tables). A model name that
// matches no row gets the classic shape and no up-front check (a proxy or another server may use
// any name). The longest matching prefix wins; in a prefix, '#' stands for one digit. A "vendor/"
// part before the last slash is ignored ("openai/o3" is "o3").
//
// Sources: OpenAI's reasoning-model guide and chat completions reference (reasoning models take
// max_completion_tokens and reasoning_effort, not max_tokens or a temperature); Anthropic's
// extended- and adaptive-thinking guides (manual thinking is deprecated on the 4.6 models and
// refused by the adaptive-only ones, which also refuse {"type": "disabled"}; models before 4.6 take
// manual thinking only).
#include <span>
#include <string_view>

namespace sceval::llm::http {

enum class OpenAIShape {
  Classic,    // temperature, top_p, max_tokens
  Reasoning,  // no temperature / top_p, max_completion_tokens, reasoning_effort accepted
};

struct OpenAIModelRule {
  std::string_view prefix;
  OpenAIShape shape;
  std::string_view family;  // for messages and docs
};

enum class AnthropicThinkingRule {
  ManualOnly,         // {"type": "enabled", "budget_tokens"}; no adaptive thinking
  AdaptivePreferred,  // adaptive recommended; manual deprecated but accepted
  AdaptiveOnly,       // {"type": "adaptive"} or no thinking field; "enabled" and "disabled" are refused
};

struct AnthropicModelRule {
  std::string_view prefix;
  AnthropicThinkingRule thinking;
  std::string_view family;
};

std::span<const OpenAIModelRule> openai_model_rules();
std::span<const AnthropicModelRule> anthropic_model_rules();

// The row for `model` (longest matching prefix), or nullptr.
const OpenAIModelRule* find_openai_rule(std::string_view model);
const AnthropicModelRule* find_anthropic_rule(std::string_view model);

// True when `prefix` (with '#' = a digit) starts `model` once any "vendor/" part is removed.
bool model_prefix_matches(std::string_view prefix, std::string_view model);

}  // namespace sceval::llm::http
