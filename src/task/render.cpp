#include "task/render.h"

#include "task/template.h"

namespace sceval::task {

std::string describe_texts(const Task& t, std::span<const std::string> texts) {
  std::string out;
  for (std::size_t j = 0; j < t.features.size(); ++j) {
    if (j) out += t.description_separator;
    out += t.description_prefix;
    out += python_format(t.features[j].description, {{"value", texts[j]}});
  }
  return out;
}

std::string describe(const Task& t, std::span<const std::size_t> values) {
  std::vector<std::string> texts;
  for (std::size_t j = 0; j < t.features.size(); ++j) texts.push_back(t.features[j].text(values[j]));
  return describe_texts(t, texts);
}

std::string turn1_prompt(const Task& t, std::span<const std::size_t> values) {
  return python_format(t.prompt, {{"description", describe(t, values)}});
}

std::string followup_prompt(const Task& t, std::string_view complement) {
  return python_format(t.followup, {{"complement", std::string(complement)}});
}

namespace {
// The paper adds a system message only when the model's system prompt is non-empty.
Conversation with_system(const Task& t, const std::optional<std::string>& system, std::string user) {
  Conversation c;
  const auto& sys = system ? system : t.system_prompt;
  if (sys && !sys->empty()) c.push_back({"system", *sys});
  c.push_back({"user", std::move(user)});
  return c;
}
}  // namespace

Conversation turn1_messages(const Task& t, std::span<const std::size_t> values,
                            const std::optional<std::string>& system) {
  return with_system(t, system, turn1_prompt(t, values));
}

Conversation turn1_messages_for_texts(const Task& t, std::span<const std::string> texts,
                                      const std::optional<std::string>& system) {
  return with_system(t, system, python_format(t.prompt, {{"description", describe_texts(t, texts)}}));
}

Conversation followup_messages(const Task& t, std::span<const std::size_t> values, std::string_view reply,
                               std::string_view complement, const std::optional<std::string>& system) {
  Conversation c = turn1_messages(t, values, system);
  c.push_back({"assistant", std::string(reply)});
  c.push_back({"user", followup_prompt(t, complement)});
  return c;
}

}  // namespace sceval::task
