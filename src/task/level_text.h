#pragma once
// How an SCE's level is matched: the paper's utils._normalize (lower-case, drop "'", every run of
// other characters than a-z and 0-9 becomes one space, trimmed). The parse module applies it to
// replies (parse::normalize_level_text); the task reader needs it first, to refuse levels that no
// answer could tell apart, and the task module comes before the parse module in the build, so it is
// restated here. tests/task/task_file_test.cpp checks the two agree on every code point.
#include <string>
#include <string_view>

namespace sceval::task {

// "Bachelor's degree" -> "bachelors degree"; "A+" and "A-" -> "a"; "🙂" -> "".
// `utf8` is valid UTF-8 (a task file's JSON text); a byte that is not is read as a separator.
std::string answer_form(std::string_view utf8);

}  // namespace sceval::task
