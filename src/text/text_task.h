#pragma once
// A text task: items of free-form text, label options and the prompts of the llm-sces protocol.
// Tasks are data: a task file with "input": "text" naming an items file (docs/text.md).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/message.h"
#include "sceval/table.h"

namespace sceval::text {

struct Item {
  std::string id;
  std::string text;
  std::string question;  // optional: shown by the prompts' {question}
  std::string label;     // optional gold label (recorded, never used to score the model)
};

// How replies carry the answer and the revision: the llm-sces markers (the answer after the last
// "ANSWER:", the revision after "REVISED SCENARIO:") or JSON ({"answer": ...}, {"revised": ...}).
enum class AnswerFormat { Markers, Json };

struct TextTask {
  std::string name, title, path;
  std::string items_path;  // resolved against the task file's folder
  std::vector<std::string> options;
  std::string prompt;          // str.format with {text}, {question}, {options}
  std::string counterfactual;  // str.format with {target}, {options}, {text}, {question}
  std::string reask;           // str.format like prompt, on the revised text (default: prompt)
  std::optional<std::string> system_prompt;
  std::vector<std::string> stop;
  AnswerFormat format = AnswerFormat::Markers;
  std::string answer_marker = "ANSWER:";              // markers format: the answer follows the last one
  std::string revision_marker = "REVISED SCENARIO:";  // llm-sces varies it by dataset ("REVISED REVIEW:")
  std::size_t min_length = 1;                         // a revision shorter than this (in characters) is not generated
  std::string rule;                                   // the documented rule of a synthetic task, for readers
  std::vector<Item> items;

  std::optional<std::size_t> option_index(std::string_view label) const;
};

// True when a task file's JSON declares "input": "text".
bool is_text_task(const nlohmann::json& j);

// Parses a text task and reads its items; `origin` names the file in messages. `items_override`
// (non-empty) replaces the file's "items" path (given at run time).
TextTask parse_text_task(const nlohmann::json& j, const std::string& origin, const std::string& items_override = "");
// The same with the items given (a table built in code, e.g. a DataFrame); "items" is ignored.
TextTask parse_text_task_with_items(const nlohmann::json& j, const std::string& origin, std::vector<Item> items);
TextTask load_text_task(const std::string& path, const std::string& items_override = "");

// Items from a JSONL or CSV file (by extension; .csv is CSV, anything else JSONL): id, text,
// optional question and label. Errors name the file, line and field.
std::vector<Item> read_items(const std::string& path);
std::vector<Item> items_from_table(const Table& t);  // columns id, text, optional question, label

// The conversations of the protocol.
Conversation prediction_messages(const TextTask& t, const Item& item, const std::string& text);
Conversation reask_messages(const TextTask& t, const Item& item, const std::string& revised);
std::string counterfactual_request(const TextTask& t, const Item& item, const std::string& target);
// The counterfactual request's chat: the prediction prompt, the model's turn-1 reply, the request.
Conversation counterfactual_messages(const TextTask& t, const Item& item, const std::string& turn1_reply,
                                     const std::string& target);

}  // namespace sceval::text
