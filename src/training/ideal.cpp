#include "training/ideal.h"

#include <nlohmann/json.hpp>

#include "parse/sce.h"

namespace sceval::training {
namespace {

// Python's json.dumps separators (", " and ": "): the style the paper's models were shown and
// the toy model was trained on. UTF-8 is kept as is (the parser reads it either way).
std::string json_object(const std::vector<std::pair<std::string, nlohmann::json>>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += nlohmann::json(items[i].first).dump() + ": " + items[i].second.dump();
  }
  return out + "}";
}

}  // namespace

std::string answer_text(const grid::Grid& g, const grid::Record& rec) {
  std::vector<std::pair<std::string, nlohmann::json>> items;
  for (std::size_t j = 0; j < g.dims(); ++j) {
    const task::Feature& f = g.feature(j);
    if (f.type == task::FeatureType::Integer)
      items.emplace_back(f.key, f.code(rec[j]));
    else
      items.emplace_back(f.key, f.text(rec[j]));
  }
  return json_object(items);
}

std::optional<std::string> checked_answer_text(const grid::Grid& g, const grid::Record& rec) {
  std::string text = answer_text(g, rec);
  parse::SceParse p = parse::parse_sce(g.task(), text, parse::SceOptions::paper());
  if (!p.ok() || !p.record || *p.record != rec) return std::nullopt;
  return text;
}

std::string label_answer_text(const task::Task& t, int option) {
  return json_object({{t.answer_key, t.options.at(option)}});
}

}  // namespace sceval::training
