#pragma once
// Replies -> the answer's label and the revised text, as forgivingly as the grid parser: case,
// quotes, markdown emphasis and fences, trailing prose and reasoning text (before "</think>") are
// tolerated; an unusable reply gets a recorded reason instead of a guess (docs/text.md "Parsing").
#include <string>
#include <string_view>

#include "text/text_task.h"

namespace sceval::text {

struct ParsedAnswer {
  int label = -1;      // index into the task's options; -1: not usable (NA)
  std::string text;    // the answer as found (empty when none)
  std::string reason;  // why not usable: no_marker | no_json | missing_key | empty | unknown_label | ambiguous
};
ParsedAnswer parse_answer(const TextTask& t, std::string_view reply);

struct ParsedRevision {
  bool found = false;
  std::string text;    // the revised text (trimmed)
  std::string reason;  // no_marker | no_json | missing_key | empty
};
ParsedRevision parse_revision(const TextTask& t, std::string_view reply);

// The option an answer text names (case-insensitive; quotes, markdown, trailing punctuation and
// trailing prose after a whole option ignored; the longest option wins), -1 for none, or -2 when the
// prose after it names another option too (a hedge: "positive or negative").
int match_option(const std::vector<std::string>& options, std::string_view answer);

}  // namespace sceval::text
