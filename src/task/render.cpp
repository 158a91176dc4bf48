#include "task/render.h"

#include "task/template.h"

namespace sceval::task {

std::string describe(const Task& t, std::span<const std::size_t> values) {
  std::string out;
  for (std::size_t j = 0; j < t.features.size(); ++j) {
    const Feature& f = t.features[j];
    if (j) out += t.description_separator;
    out += t.description_prefix;
    out += python_format(f.description, {{"value", f.text(values[j])}});
  }
  return out;
}

std::string turn1_prompt(const Task& t, std::span<const std::size_t> values) {
  return python_format(t.prompt, {{"description", describe(t, values)}});
}

std::string followup_prompt(const Task& t, std::string_view complement) {
  return python_format(t.followup, {{"complement", std::string(complement)}});
}

Conversation turn1_messages(const Task& t, std::span<const std::size_t> values,
                            const std::optional<std::string>& system) {
  Conversation c;
  const auto& sys = system ? system : t.system_prompt;
  // The paper adds a system message only when the model's system prompt is non-empty.
  if (sys && !sys->empty()) c.push_back({"system", *sys});
  c.push_back({"user", turn1_prompt(t, values)});
  return c;
}

Conversation followup_messages(const Task& t, std::span<const std::size_t> values,
                               std::string_view reply, std::string_view complement,
                               const std::optional<std::string>& system) {
  Conversation c = turn1_messages(t, values, system);
  c.push_back({"assistant", std::string(reply)});
  c.push_back({"user", followup_prompt(t, complement)});
  return c;
}

}  // namespace sceval::task
