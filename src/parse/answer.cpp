// Port of utils.extract_dict_answer and utils.nothing_2_NA (HarryMayne/SCEs, src/utils.py, MIT,
// Copyright (c) 2025 Harry Mayne).
#include "parse/answer.h"

#include <exception>

#include "parse/unicode.h"

namespace sceval::parse {
namespace {

// _dfs: the matched value (possibly null), or nullptr for the "NA" sentinel.
template <typename J>
struct Found {
  const J* value = nullptr;
  bool none() const { return value != nullptr && value->is_null(); }  // Python `found is None`
};

template <typename J>
Found<J> dfs(const J& node, const std::u32string& target) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items())
      if (unicode::lower(unicode::strip(unicode::decode_utf8(k))) == target) return {&v};
    for (const auto& [k, v] : node.items()) {
      Found<J> f = dfs(v, target);
      if (!f.none()) return f;
    }
  } else if (node.is_array()) {
    for (const auto& item : node) {
      Found<J> f = dfs(item, target);
      if (!f.none()) return f;
    }
  }
  return {};
}

}  // namespace

const Json* find_key(const Json& j, std::string_view key) {
  return dfs(j, unicode::lower(unicode::decode_utf8(key))).value;
}

const nlohmann::json* find_key(const nlohmann::json& j, std::string_view key) {
  return dfs(j, unicode::lower(unicode::decode_utf8(key))).value;
}

Answer extract_answer(std::string_view reply, std::string_view answer_key) noexcept {
  Answer a;
  try {
    a.json = parse_json_from_text(reply);
    if (!a.json.ok()) return a;
    const Json* v = find_key(*a.json.value, answer_key);
    if (v == nullptr || v->is_null()) return a;
    if (v->is_string()) {
      const auto& s = v->get_ref<const std::string&>();
      if (!s.empty()) a.text = s;
      return a;
    }
    if ((v->is_array() || v->is_object()) && v->empty()) return a;  // len() == 0 -> "NA"
    a.is_string = false;
    a.text = v->dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const std::exception&) {
    a.text = "NA";
    a.is_string = true;
  }
  return a;
}

std::string_view to_string(AnswerLabel::Kind k) {
  switch (k) {
    case AnswerLabel::Kind::Option:
      return "option";
    case AnswerLabel::Kind::NA:
      return "na";
    case AnswerLabel::Kind::OffLabel:
      return "off_label";
  }
  return "?";
}

AnswerLabel label_of_answer(const task::Task& task, std::string_view answer) {
  AnswerLabel l;
  if (answer == "NA" || answer.empty()) return l;  // scoring_function: answer in ["NA", None]
  if (auto i = task.option_index(answer)) {
    l.kind = AnswerLabel::Kind::Option;
    l.option = *i;
  } else {
    l.kind = AnswerLabel::Kind::OffLabel;
  }
  return l;
}

AnswerLabel label_of_answer(const task::Task& task, const Answer& answer) {
  if (answer.is_string) return label_of_answer(task, answer.text);
  AnswerLabel l;
  l.kind = AnswerLabel::Kind::OffLabel;
  return l;
}

}  // namespace sceval::parse
