// The Gower quiz's items, prompts and answers (no model calls here).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "experiment/gower_quiz.h"
#include "task/registry.h"
#include "task/template.h"

namespace sceval::experiment {

QuizFile load_quiz(const std::string& path) {
  const nlohmann::json j = parse_json_bounded(read_file_text(path, "quiz file"), path);
  auto field = [&](const char* key) -> const nlohmann::json& {
    if (!j.contains(key)) throw Error(fmt::format("{}: missing field \"{}\"", path, key));
    return j[key];
  };
  // A wrong type is named by its field, not by the JSON library's exception text.
  auto text = [&](const nlohmann::json& v, const std::string& name) {
    if (!v.is_string())
      throw Error(fmt::format("{}: field \"{}\": expected a string, got {}", path, name, v.type_name()));
    return v.get<std::string>();
  };
  QuizFile q;
  q.path = path;
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", path));
  q.prompt = text(field("prompt"), "prompt");
  const nlohmann::json& letters = field("letters");
  if (!letters.is_array()) throw Error(fmt::format("{}: field \"letters\": expected an array of strings", path));
  for (std::size_t i = 0; i < letters.size(); ++i) {
    q.letters.push_back(text(letters[i], fmt::format("letters[{}]", i)));
    // An answer is matched to the first equal letter: a repeated or empty letter names no candidate.
    if (q.letters.back().empty()) throw Error(fmt::format("{}: field \"letters[{}]\": must not be empty", path, i));
    for (std::size_t k = 0; k < i; ++k)
      if (q.letters[k] == q.letters[i])
        throw Error(
            fmt::format("{}: field \"letters[{}]\": \"{}\" repeats letters[{}] (an answer could not say "
                        "which candidate it means)",
                        path, i, q.letters[i], k));
  }
  if (j.contains("record_separator")) q.record_separator = text(j["record_separator"], "record_separator");
  if (j.contains("tasks")) {
    if (!j["tasks"].is_object()) throw Error(fmt::format("{}: field \"tasks\": expected an object", path));
    for (const auto& [name, t] : j["tasks"].items()) {
      if (!t.is_object() || !t.contains("record"))
        throw Error(fmt::format("{}: field \"tasks.{}\": expected an object with \"record\"", path, name));
      q.task_records[name] = text(t["record"], "tasks." + name + ".record");
    }
  }
  try {
    task::check_format_fields(q.prompt, {"n_candidates", "start", "candidates", "ranges"});
  } catch (const Error& e) {
    throw Error(fmt::format("{}: field \"prompt\": {}", path, e.what()));
  }
  return q;
}

std::string find_quiz(const std::string& name) { return task::find_in_task_dirs("quiz", name, "quiz"); }

std::vector<QuizItem> quiz_items(const grid::Grid& g, std::size_t draws, std::size_t k, std::uint64_t seed) {
  if (k < 2) throw Error("quiz: at least 2 candidates");
  if (g.size() < k + 1) throw Error(fmt::format("quiz: the grid has {} points; {} candidates need more", g.size(), k));
  // The paper's Gower: every feature weighs the same.
  grid::Distance dist(g, task::DistanceKind::Gower, grid::Arithmetic::Exact, std::vector<double>(g.dims(), 1.0));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<grid::Index> pick(0, g.size() - 1);
  std::vector<QuizItem> out;
  for (std::size_t n = 0; n < draws; ++n) {
    std::vector<grid::Index> points;
    while (points.size() < k + 1) {  // distinct points, like random.sample
      grid::Index p = pick(rng);
      if (std::find(points.begin(), points.end(), p) == points.end()) points.push_back(p);
    }
    QuizItem item{points[0], {points.begin() + 1, points.end()}, {}, 0};
    for (grid::Index c : item.candidates) item.distances.push_back(dist(item.start, c));
    if (std::set<double>(item.distances.begin(), item.distances.end()).size() < k) continue;  // a tie
    item.answer = static_cast<std::size_t>(std::min_element(item.distances.begin(), item.distances.end()) -
                                           item.distances.begin());
    out.push_back(std::move(item));
  }
  return out;
}

namespace {

// Python's repr() of a str, as the paper's f-string printed lists of level texts.
std::string py_repr(const std::string& s) {
  const char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == q || c == '\\') out += '\\';
    out += c;
  }
  return out + q;
}

std::string record_text(const QuizFile& q, const task::Task& t, const grid::Grid& g, grid::Index i) {
  if (auto it = q.task_records.find(t.name); it != q.task_records.end()) {
    std::map<std::string, std::string, std::less<>> fields;
    for (std::size_t j = 0; j < g.dims(); ++j) fields[t.features[j].key] = g.value_text(i, j);
    return task::python_format(it->second, fields);
  }
  std::string out;
  for (std::size_t j = 0; j < g.dims(); ++j)
    out += (j ? q.record_separator : "") + t.features[j].key + ": " + g.value_text(i, j);
  return out;
}

}  // namespace

std::string quiz_ranges(const task::Task& t) {
  std::string out;
  for (const auto& f : t.features) {
    if (!out.empty()) out += '\n';
    if (f.type == task::FeatureType::Integer && f.step == 1) {
      out += fmt::format("{}: {}-{} inclusive (integer)", f.key, f.start, f.stop);
      continue;
    }
    std::vector<std::string> values;
    for (std::size_t p = 0; p < f.size(); ++p) values.push_back(py_repr(f.text(p)));
    out += fmt::format("{}: [{}] ({})", f.key, fmt::join(values, ", "),
                       f.type == task::FeatureType::Categorical ? "categorical" : "ordinal");
  }
  return out;
}

std::string quiz_prompt(const QuizFile& q, const task::Task& t, const grid::Grid& g, const QuizItem& item) {
  if (item.candidates.size() > q.letters.size())
    throw Error(fmt::format("{}: {} letters for {} candidates", q.path, q.letters.size(), item.candidates.size()));
  std::string candidates;
  for (std::size_t c = 0; c < item.candidates.size(); ++c)
    candidates += q.letters[c] + ". " + record_text(q, t, g, item.candidates[c]) + "\n";
  return task::python_format(q.prompt, {{"n_candidates", std::to_string(item.candidates.size())},
                                        {"start", record_text(q, t, g, item.start) + "\n"},
                                        {"candidates", candidates},
                                        {"ranges", quiz_ranges(t)}});
}

namespace {

// re.search(r'"answer"\s*:\s*"?([A-Z])"?', reply): the letter of the first match.
std::optional<char> fallback_letter(const std::string& reply) {
  auto space = [&](std::size_t& i) {
    while (i < reply.size() && std::string_view(" \t\n\r\f\v").find(reply[i]) != std::string_view::npos) ++i;
  };
  for (auto at = reply.find("\"answer\""); at != std::string::npos; at = reply.find("\"answer\"", at + 1)) {
    std::size_t i = at + 8;
    space(i);
    if (i >= reply.size() || reply[i] != ':') continue;
    ++i;
    space(i);
    if (i < reply.size() && reply[i] == '"') ++i;
    if (i < reply.size() && reply[i] >= 'A' && reply[i] <= 'Z') return reply[i];
  }
  return std::nullopt;
}

}  // namespace

QuizAnswer parse_quiz_answer(std::string_view reply_in, const std::vector<std::string>& letters) {
  const std::string reply(strip_thinking(reply_in));
  QuizAnswer a{"no_json", "NA", std::nullopt};
  // re.search(r'\{.*?\}', reply, re.S): the first '{' up to the first '}' after it.
  const auto open = reply.find('{');
  const auto close = open == std::string::npos ? open : reply.find('}', open);
  if (close == std::string::npos) return a;
  try {
    auto j = nlohmann::json::parse(reply.substr(open, close - open + 1));
    if (!j.is_object() || !j.contains("answer")) return a.status = "missing_key", a;
    a.text = j["answer"].is_string() ? j["answer"].get<std::string>() : j["answer"].dump();
  } catch (const nlohmann::json::parse_error&) {
    auto letter = fallback_letter(reply);
    if (!letter) return a;
    a.text = std::string(1, *letter);
  }
  // Anything but the absent answer counts as answered (the paper's accuracy divides by them).
  auto it = std::find(letters.begin(), letters.end(), a.text);
  a.status = it == letters.end() ? "not_a_choice" : "ok";
  if (it != letters.end()) a.choice = static_cast<std::size_t>(it - letters.begin());
  return a;
}

std::pair<double, double> wilson_interval(std::size_t k, std::size_t n) {
  if (n == 0) return {std::nan(""), std::nan("")};
  const double z = 1.959963984540054, nn = static_cast<double>(n), p = static_cast<double>(k) / nn;
  const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
  const double half = z / (1 + z * z / nn) * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

}  // namespace sceval::experiment
