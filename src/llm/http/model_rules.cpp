#include "llm/http/model_rules.h"

#include <cctype>

namespace sceval::llm::http {

namespace {

// Model name prefix -> request shape. Keep docs/backends.md ("Model families") in step.
constexpr OpenAIModelRule kOpenAI[] = {
    {"o#", OpenAIShape::Reasoning, "o-series (o1, o3, o4-mini, ...)"},
    {"gpt-5", OpenAIShape::Reasoning, "GPT-5 family (gpt-5, gpt-5-mini, gpt-5.1, ...)"},
};

constexpr AnthropicModelRule kAnthropic[] = {
    {"claude-opus-4-7", AnthropicThinkingRule::AdaptiveOnly, "Claude Opus 4.7"},
    {"claude-mythos", AnthropicThinkingRule::AdaptiveOnly, "Claude Mythos"},
    {"claude-fable", AnthropicThinkingRule::AdaptiveOnly, "Claude Fable"},
    {"claude-opus-4-6", AnthropicThinkingRule::AdaptivePreferred, "Claude Opus 4.6"},
    {"claude-sonnet-4-6", AnthropicThinkingRule::AdaptivePreferred, "Claude Sonnet 4.6"},
    {"claude-opus-4-5", AnthropicThinkingRule::ManualOnly, "Claude Opus 4.5"},
    {"claude-sonnet-4-5", AnthropicThinkingRule::ManualOnly, "Claude Sonnet 4.5"},
    {"claude-haiku-4-5", AnthropicThinkingRule::ManualOnly, "Claude Haiku 4.5"},
    {"claude-opus-4-1", AnthropicThinkingRule::ManualOnly, "Claude Opus 4.1"},
    {"claude-opus-4-0", AnthropicThinkingRule::ManualOnly, "Claude Opus 4"},
    {"claude-opus-4-2", AnthropicThinkingRule::ManualOnly, "Claude Opus 4 (dated)"},
    {"claude-sonnet-4-0", AnthropicThinkingRule::ManualOnly, "Claude Sonnet 4"},
    {"claude-sonnet-4-2", AnthropicThinkingRule::ManualOnly, "Claude Sonnet 4 (dated)"},
    {"claude-3", AnthropicThinkingRule::ManualOnly, "Claude 3.x"},
};

template <class Rule>
const Rule* longest(std::span<const Rule> rules, std::string_view model) {
  const Rule* best = nullptr;
  for (const auto& r : rules)
    if (model_prefix_matches(r.prefix, model) && (!best || r.prefix.size() > best->prefix.size())) best = &r;
  return best;
}

}  // namespace

bool model_prefix_matches(std::string_view prefix, std::string_view model) {
  if (auto slash = model.rfind('/'); slash != std::string_view::npos) model.remove_prefix(slash + 1);
  if (model.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto c = static_cast<unsigned char>(model[i]);
    if (prefix[i] == '#' ? !std::isdigit(c) : prefix[i] != model[i]) return false;
  }
  return true;
}

std::span<const OpenAIModelRule> openai_model_rules() { return kOpenAI; }
std::span<const AnthropicModelRule> anthropic_model_rules() { return kAnthropic; }

const OpenAIModelRule* find_openai_rule(std::string_view model) { return longest(openai_model_rules(), model); }
const AnthropicModelRule* find_anthropic_rule(std::string_view model) {
  return longest(anthropic_model_rules(), model);
}

}  // namespace sceval::llm::http
