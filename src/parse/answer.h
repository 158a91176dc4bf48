#pragma once
// The turn-1 answer, as the paper's main.py gets it:
//   nothing_2_NA(extract_dict_answer(parse_json_from_text(reply)))
// and which option (if any) it is.
#include <cstddef>
#include <string>
#include <string_view>

#include "parse/json_text.h"
#include "task/task.h"

namespace sceval::parse {

// utils.extract_dict_answer's search, for any key. In an object, a key whose k.strip().lower()
// equals the lower-cased `key` wins; otherwise the search descends into the object's values in
// order but returns whatever the *first* value yields (a miss there ends the search) — unless that
// is a matched null, which moves on to the next value. In an array the same holds for its items.
// Returns nullptr when not found; a pointer to a null value when a top-level key holds null.
const Json* find_key(const Json& j, std::string_view key);
// The same on a nlohmann::json, whose objects are sorted by key: "first value" is then the first
// in key order, not in the reply's order.
const nlohmann::json* find_key(const nlohmann::json& j, std::string_view key);

struct Answer {
  // The answer as the paper stores it: the string under the key; "NA" when the reply has no
  // JSON, no such key, null, or an empty string/list/object. A number, boolean or non-empty
  // list/object is given as its JSON text with is_string = false: the paper keeps lists/objects
  // as they are (never an option) and crashes on numbers/booleans (nothing_2_NA calls len()).
  std::string text = "NA";
  bool is_string = true;
  JsonParse json;  // how the reply's JSON was read
};
Answer extract_answer(std::string_view reply, std::string_view answer_key = "answer") noexcept;

struct AnswerLabel {
  enum class Kind {
    Option,    // exactly one of the task's options
    NA,        // "NA" (no answer); the paper drops the row
    OffLabel,  // an answer that is no option; the paper draws the complement at random
  };
  Kind kind = Kind::NA;
  std::size_t option = 0;  // index into task.options when kind == Option
  bool is_option() const { return kind == Kind::Option; }
};
std::string_view to_string(AnswerLabel::Kind k);  // option | na | off_label

// Exact string equality with an option, as the paper compares answers ("NA" and "" are NA).
AnswerLabel label_of_answer(const task::Task& task, std::string_view answer);
AnswerLabel label_of_answer(const task::Task& task, const Answer& answer);

}  // namespace sceval::parse
