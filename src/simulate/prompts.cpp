#include "simulate/prompts.h"

#include <fmt/format.h>

#include <filesystem>
#include <cctype>
#include <map>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "experiment/run.h"
#include "task/registry.h"
#include "task/render.h"
#include "task/template.h"

namespace sceval::simulate {

Prompts load_prompts(const std::string& path) {
  const nlohmann::json j = parse_json_bounded(read_file_text(path, "prompt file"), path);
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", path));
  // `needed`: fields the template must use (a question without {counterfactual} asks about nothing,
  // one without {explanation} makes the gain 0 by construction).
  auto text = [&](const char* key, std::initializer_list<std::string_view> fields,
                  std::initializer_list<std::string_view> needed) {
    if (!j.contains(key)) throw Error(fmt::format("{}: missing field \"{}\"", path, key));
    if (!j[key].is_string())
      throw Error(fmt::format("{}: field \"{}\": expected a string, got {}", path, key, j[key].type_name()));
    auto s = j[key].get<std::string>();
    try {
      task::check_format_fields(s, fields);
    } catch (const Error& e) {
      throw Error(fmt::format("{}: field \"{}\": {}", path, key, e.what()));
    }
    for (const auto field : needed) {
      std::map<std::string, std::string, std::less<>> probe;
      for (const auto f : fields) probe[std::string(f)] = "";
      probe[std::string(field)] = "\x01";
      if (task::python_format(s, probe).find('\x01') == std::string::npos)
        throw Error(fmt::format("{}: field \"{}\" must use {{{}}}", path, key, field));
    }
    return s;
  };
  Prompts p;
  p.path = path;
  p.explain = text("explain", {"prompt", "options"}, {"prompt"});
  p.sce = text("sce", {"target", "record"}, {"record"});
  p.observer = text("observer", {"reference_prompt", "reference_answer", "counterfactual", "options", "answer_key"},
                    {"counterfactual"});
  p.observer_with =
      text("observer_with",
           {"reference_prompt", "reference_answer", "counterfactual", "options", "answer_key", "explanation"},
           {"counterfactual", "explanation"});
  return p;
}

std::string find_prompts(const std::string& name) { return task::find_in_task_dirs("simulate", name, "prompts"); }

namespace {

std::string quoted_options(const task::Task& t) {
  std::vector<std::string> q;
  for (const auto& o : t.options) q.push_back("\"" + o + "\"");
  return fmt::format("{}", fmt::join(q, ", "));
}

// The section between <tag> and </tag>, trimmed; nothing when absent.
std::optional<std::string> section(std::string_view text, const std::string& tag) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  auto b = text.find(open);
  if (b == std::string_view::npos) return std::nullopt;
  b += open.size();
  auto e = text.find(close, b);
  std::string_view s = text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string explain_prompt(const Prompts& p, const task::Task& t, const grid::Grid& g, grid::Index reference) {
  const auto rec = g.record(reference);
  return task::python_format(p.explain, {{"prompt", task::turn1_prompt(t, rec)}, {"options", quoted_options(t)}});
}

FreeExplanation parse_free_explanation(std::string_view reply) {
  const std::string_view body = experiment::strip_thinking(reply);
  auto explanation = section(body, "explanation");
  auto factors = section(body, "factors");
  if (!explanation && !factors) {
    std::string all(body);
    return {all, false};
  }
  std::string text = explanation.value_or("");
  if (factors) text += (text.empty() ? "" : "\n") + std::string("Most important factors: ") + *factors;
  return {text, true};
}

std::string sce_explanation(const Prompts& p, const task::Task& t, const std::string& target,
                            const std::vector<std::string>& texts) {
  return task::python_format(p.sce, {{"target", target}, {"record", task::describe_texts(t, texts)}});
}

std::string observer_prompt(const Prompts& p, const task::Task& t, const grid::Grid& g, grid::Index reference,
                            const std::string& reference_answer, grid::Index counterfactual,
                            const std::optional<std::string>& explanation) {
  const auto ref = g.record(reference), cf = g.record(counterfactual);
  std::map<std::string, std::string, std::less<>> fields{{"reference_prompt", task::turn1_prompt(t, ref)},
                                                         {"reference_answer", reference_answer},
                                                         {"counterfactual", task::describe(t, cf)},
                                                         {"options", quoted_options(t)},
                                                         {"answer_key", t.answer_key}};
  if (!explanation) return task::python_format(p.observer, fields);
  fields["explanation"] = *explanation;
  return task::python_format(p.observer_with, fields);
}

}  // namespace sceval::simulate
