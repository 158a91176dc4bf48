#include "text/text_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/csv.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "task/template.h"

namespace sceval::text {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// llm-sces' prompts, in the markers layout (the default answer format).
constexpr const char* kDefaultPrompt =
    "{text}\n\n{question}\nAnswer with one of: {options}. End your reply with a line \"ANSWER: <label>\".";
constexpr const char* kDefaultCounterfactual =
    "Now revise the text above as little as possible so that your answer would be \"{target}\". "
    "Give the revised text after \"REVISED SCENARIO:\".";

std::string string_field(const json& j, const std::string& origin, const char* key, const std::string& fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) throw Error(fmt::format("{}: field \"{}\" must be a string", origin, key));
  return j[key].get<std::string>();
}

std::vector<std::string> string_list(const json& j, const std::string& origin, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) throw Error(fmt::format("{}: field \"{}\" must be a list of strings", origin, key));
  for (const auto& v : j[key]) {
    if (!v.is_string()) throw Error(fmt::format("{}: field \"{}\" must be a list of strings", origin, key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string options_text(const TextTask& t) { return fmt::format("{}", fmt::join(t.options, ", ")); }

Item item_from_json(const json& row, const std::string& where) {
  if (!row.is_object()) throw Error(fmt::format("{}: an item must be a JSON object", where));
  Item it;
  auto get = [&](const char* key, bool required) {
    if (!row.contains(key) || row[key].is_null()) {
      if (required) throw Error(fmt::format("{}: field \"{}\" is missing", where, key));
      return std::string();
    }
    if (row[key].is_string()) return row[key].get<std::string>();
    if (row[key].is_number_integer() && std::string_view(key) == "id") return row[key].dump();  // ids may be numbers
    throw Error(fmt::format("{}: field \"{}\" must be a string", where, key));
  };
  it.id = get("id", true);
  it.text = get("text", true);
  it.question = get("question", false);
  it.label = get("label", false);
  return it;
}

// Far beyond any published text-SCE data set (llm-sces' longest items are a few KB), and a model's
// context: one such item takes seconds to diff.
constexpr std::size_t kMaxItemBytes = 100'000;

// `where(i)`: the file and line of item i, for messages.
void check_items(const std::vector<Item>& items, const std::string& source,
                 const std::function<std::string(std::size_t)>& where) {
  if (items.empty()) throw Error(fmt::format("{}: no items", source));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    if (it.id.empty()) throw Error(fmt::format("{}: an item has an empty id", where(i)));
    if (!seen.insert(it.id).second) throw Error(fmt::format("{}: duplicate item id \"{}\"", where(i), it.id));
    // A blank text would be sent to the model as a review of nothing.
    if (it.text.find_first_not_of(" \t\r\n") == std::string::npos)
      throw Error(fmt::format("{}: item \"{}\" has an empty text", where(i), it.id));
    // The edit measures and the word diff grow with the square of a text's length in the worst case.
    if (it.text.size() > kMaxItemBytes)
      throw Error(fmt::format("{}: item \"{}\" has {} bytes of text; items hold at most {}", where(i), it.id,
                              it.text.size(), kMaxItemBytes));
  }
}

// Every prompt is sent as JSON: a byte that is not UTF-8 could never be asked (the JSONL reader
// refuses it while parsing; a CSV cell is checked here, naming its line and column).
void check_utf8(const Table& t, std::size_t r, std::size_t c) {
  try {
    (void)json(t.rows[r][c]).dump();
  } catch (const json::type_error&) {
    throw Error(fmt::format("{}: not UTF-8 text (save the file as UTF-8)", t.where(r, c)));
  }
}

}  // namespace

std::optional<std::size_t> TextTask::option_index(std::string_view label) const {
  for (std::size_t i = 0; i < options.size(); ++i)
    if (options[i] == label) return i;
  return std::nullopt;
}

bool is_text_task(const json& j) { return j.is_object() && j.contains("input") && j["input"] == "text"; }

std::vector<Item> items_from_table(const Table& t) {
  const std::size_t id = t.require_column("id"), text = t.require_column("text");
  const auto question = t.column("question"), label = t.column("label");
  std::vector<Item> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    if (row.size() != t.columns.size())
      throw Error(fmt::format("{}: {} cells, expected {}", t.where(r, 0), row.size(), t.columns.size()));
    for (std::size_t c = 0; c < row.size(); ++c) check_utf8(t, r, c);
    out.push_back({row[id], row[text], question ? row[*question] : "", label ? row[*label] : ""});
  }
  check_items(out, t.source, [&](std::size_t i) { return t.where(i, id); });
  return out;
}

std::vector<Item> read_items(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".csv") return items_from_table(Table::read_csv(path, {"id", "text"}));
  if (ext != ".jsonl" && ext != ".json")
    throw Error(fmt::format("{}: an items file is JSON Lines (.jsonl) or CSV (.csv), not \"{}\"", path, ext));
  std::istringstream in(read_file_text(path, "items file"));
  std::vector<Item> out;
  std::vector<std::size_t> lines;
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", path, line_no);
    out.push_back(item_from_json(parse_json_bounded(line, where), where));
    lines.push_back(line_no);
  }
  check_items(out, path, [&](std::size_t i) { return fmt::format("{}:{}", path, lines[i]); });
  return out;
}

namespace {

// The fields of a text task file (docs/text.md); another key is refused, as in grid task files: a
// misspelled optional field ("promt") would otherwise be ignored without a word.
constexpr std::string_view kFields[] = {
    "input",           "name",       "title",         "items", "options",       "prompt",
    "counterfactual",  "reask",      "system_prompt", "stop",  "answer_format", "answer_marker",
    "revision_marker", "min_length", "rule",          "notes", "source"};

void check_options(const TextTask& t, const std::string& origin) {
  if (t.options.size() < 2) throw Error(fmt::format("{}: field \"options\" needs at least two labels", origin));
  if (std::set<std::string>(t.options.begin(), t.options.end()).size() != t.options.size())
    throw Error(fmt::format("{}: field \"options\" has a label twice", origin));
  for (std::size_t i = 0; i < t.options.size(); ++i)
    if (t.options[i].find_first_not_of(" \t\r\n") == std::string::npos)
      throw Error(fmt::format("{}: options[{}] is empty", origin, i));
}

// A prompt without {text} never shows the model the item.
void require_text_field(const std::string& tmpl, const std::string& origin, const char* key) {
  const std::map<std::string, std::string, std::less<>> probe = {
      {"text", "\x01"}, {"question", ""}, {"options", ""}, {"target", ""}};
  if (task::python_format(tmpl, probe).find('\x01') == std::string::npos)
    throw Error(fmt::format("{}: field \"{}\" never shows the item: it needs {{text}}", origin, key));
}

TextTask parse_fields(const json& j, const std::string& origin) {
  if (!is_text_task(j)) throw Error(fmt::format("{}: not a text task (\"input\": \"text\")", origin));
  for (const auto& [key, value] : j.items())
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields))
      throw Error(
          fmt::format("{}: unknown field \"{}\" (text task fields: {})", origin, key, fmt::join(kFields, ", ")));
  TextTask t;
  t.path = origin;
  t.name = string_field(j, origin, "name", fs::path(origin).stem().string());
  t.title = string_field(j, origin, "title", t.name);
  t.options = string_list(j, origin, "options");
  check_options(t, origin);
  t.prompt = string_field(j, origin, "prompt", kDefaultPrompt);
  t.counterfactual = string_field(j, origin, "counterfactual", kDefaultCounterfactual);
  t.reask = string_field(j, origin, "reask", t.prompt);
  if (j.contains("system_prompt")) t.system_prompt = string_field(j, origin, "system_prompt", "");
  t.stop = string_list(j, origin, "stop");
  const std::string format = string_field(j, origin, "answer_format", "markers");
  if (format != "markers" && format != "json")
    throw Error(fmt::format("{}: field \"answer_format\": expected markers or json, got \"{}\"", origin, format));
  t.format = format == "json" ? AnswerFormat::Json : AnswerFormat::Markers;
  t.answer_marker = string_field(j, origin, "answer_marker", t.answer_marker);
  t.revision_marker = string_field(j, origin, "revision_marker", t.revision_marker);
  if (t.answer_marker.empty() || t.revision_marker.empty())
    throw Error(fmt::format("{}: the answer and revision markers must not be empty", origin));
  if (j.contains("min_length")) {
    if (!j["min_length"].is_number_unsigned())
      throw Error(fmt::format("{}: field \"min_length\" must be a non-negative integer", origin));
    t.min_length = j["min_length"].get<std::size_t>();
  }
  t.rule = string_field(j, origin, "rule", "");
  for (const auto& [key, tmpl] : {std::pair{"prompt", &t.prompt}, std::pair{"reask", &t.reask}}) {
    try {
      task::check_format_fields(*tmpl, {"text", "question", "options"});
    } catch (const Error& e) {
      throw Error(fmt::format("{}: field \"{}\": {}", origin, key, e.what()));
    }
  }
  try {
    task::check_format_fields(t.counterfactual, {"target", "text", "question", "options"});
  } catch (const Error& e) {
    throw Error(fmt::format("{}: field \"counterfactual\": {}", origin, e.what()));
  }
  require_text_field(t.prompt, origin, "prompt");
  require_text_field(t.reask, origin, "reask");
  return t;
}

}  // namespace

TextTask parse_text_task_with_items(const json& j, const std::string& origin, std::vector<Item> items) {
  TextTask t = parse_fields(j, origin);
  t.items = std::move(items);
  return t;
}

TextTask parse_text_task(const json& j, const std::string& origin, const std::string& items_override) {
  TextTask t = parse_fields(j, origin);
  std::string items = items_override.empty() ? string_field(j, origin, "items", "") : items_override;
  if (items.empty()) throw Error(fmt::format("{}: field \"items\" (the items file) is missing", origin));
  // A path in the file is relative to the file; one given at run time, to the working directory.
  t.items_path = items_override.empty() && fs::path(items).is_relative()
                     ? (fs::path(origin).parent_path() / items).lexically_normal().string()
                     : items;
  t.items = read_items(t.items_path);
  return t;
}

TextTask load_text_task(const std::string& path, const std::string& items_override) {
  return parse_text_task(parse_json_bounded(read_file_text(path, "task file"), path), path, items_override);
}

namespace {

std::string render(const std::string& tmpl, const TextTask& t, const Item& item, const std::string& text,
                   const std::string& target = "") {
  std::map<std::string, std::string, std::less<>> fields = {
      {"text", text}, {"question", item.question}, {"options", options_text(t)}, {"target", target}};
  return task::python_format(tmpl, fields);
}

Conversation with_system(const TextTask& t, std::string user) {
  Conversation c;
  if (t.system_prompt) c.push_back({"system", *t.system_prompt});
  c.push_back({"user", std::move(user)});
  return c;
}

}  // namespace

Conversation prediction_messages(const TextTask& t, const Item& item, const std::string& text) {
  return with_system(t, render(t.prompt, t, item, text));
}

Conversation reask_messages(const TextTask& t, const Item& item, const std::string& revised) {
  return with_system(t, render(t.reask, t, item, revised));
}

std::string counterfactual_request(const TextTask& t, const Item& item, const std::string& target) {
  return render(t.counterfactual, t, item, item.text, target);
}

Conversation counterfactual_messages(const TextTask& t, const Item& item, const std::string& turn1_reply,
                                     const std::string& target) {
  Conversation c = prediction_messages(t, item, item.text);
  c.push_back({"assistant", turn1_reply});
  c.push_back({"user", counterfactual_request(t, item, target)});
  return c;
}

}  // namespace sceval::text
