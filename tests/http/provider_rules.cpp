#include "http/provider_rules.h"

#include <fmt/format.h>

namespace sceval::testing {

using nlohmann::json;

namespace {

bool starts(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

bool openai_reasoning(const std::string& model) {
  return (model.size() >= 2 && model[0] == 'o' && model[1] >= '1' && model[1] <= '9') || starts(model, "gpt-5");
}

}  // namespace

std::optional<std::string> openai_refusal(const json& body) {
  const std::string model = body.value("model", std::string());
  if (openai_reasoning(model)) {
    if (body.contains("max_tokens"))
      return "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' "
             "instead.";
    if (body.contains("temperature") && body["temperature"] != 1)
      return fmt::format(
          "Unsupported value: 'temperature' does not support {} with this model. Only the default (1) "
          "value is supported.",
          body["temperature"].dump());
  } else if (body.contains("reasoning_effort")) {
    return "Unrecognized request argument supplied: reasoning_effort";
  }
  if (body.contains("top_logprobs") && body["top_logprobs"].get<int>() > 20)
    return "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20.";
  return std::nullopt;
}

std::optional<std::string> anthropic_refusal(const json& p) {
  const std::string model = p.value("model", std::string());
  const bool adaptive_only =
      starts(model, "claude-opus-4-7") || starts(model, "claude-mythos") || starts(model, "claude-fable");
  const bool before_4_6 = starts(model, "claude-3") || model.find("-4-5") != std::string::npos ||
                          starts(model, "claude-opus-4-1") || starts(model, "claude-opus-4-0") ||
                          starts(model, "claude-opus-4-2") || starts(model, "claude-sonnet-4-0") ||
                          starts(model, "claude-sonnet-4-2");
  const std::string type = p.contains("thinking") ? p["thinking"].value("type", std::string()) : "";
  if (type == "enabled") {
    const int budget = p["thinking"].value("budget_tokens", 0);
    if (budget < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
    if (p.value("max_tokens", 0) <= budget) return "`max_tokens` must be greater than `thinking.budget_tokens`.";
  }
  if ((type == "enabled" || type == "disabled") && adaptive_only)
    return fmt::format("thinking.type.{}: this model supports adaptive thinking only; use thinking.type \"adaptive\"",
                       type);
  if (type == "adaptive" && before_4_6)
    return "thinking: Input tag 'adaptive' found using 'type' does not match any of the expected tags: 'disabled', "
           "'enabled'";
  if ((type == "enabled" || type == "adaptive") && p.contains("temperature") && p["temperature"] != 1)
    return "temperature may only be set to 1 when thinking is enabled.";
  if (p.contains("output_config")) {
    const std::string e = p["output_config"].value("effort", std::string());
    if (e != "low" && e != "medium" && e != "high" && e != "max")
      return "output_config.effort: Input should be 'low', 'medium', 'high' or 'max'";
  }
  return std::nullopt;
}

}  // namespace sceval::testing
