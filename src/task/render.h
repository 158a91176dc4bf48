#pragma once
// Prompt rendering, byte-identical to the paper's code (utils.standard_prompts, to_chat,
// to_chat_followup): plain str.format, no stripping.
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "common/message.h"
#include "task/task.h"

namespace sceval::task {

// `values[j]` is the position of feature j's value on its axis.
std::string describe(const Task& t, std::span<const std::size_t> values);
std::string turn1_prompt(const Task& t, std::span<const std::size_t> values);
// The same for arbitrary value texts (e.g. an off-grid SCE asked live): `texts[j]` replaces
// feature j's {value}.
std::string describe_texts(const Task& t, std::span<const std::string> texts);
Conversation turn1_messages_for_texts(const Task& t, std::span<const std::string> texts,
                                      const std::optional<std::string>& system = std::nullopt);
std::string followup_prompt(const Task& t, std::string_view complement);

// [system?] user(turn-1). `system` overrides the task's own system prompt when given.
Conversation turn1_messages(const Task& t, std::span<const std::size_t> values,
                            const std::optional<std::string>& system = std::nullopt);
// [system?] user(turn-1), assistant(reply verbatim), user(follow-up with complement).
Conversation followup_messages(const Task& t, std::span<const std::size_t> values, std::string_view reply,
                               std::string_view complement, const std::optional<std::string>& system = std::nullopt);

}  // namespace sceval::task
