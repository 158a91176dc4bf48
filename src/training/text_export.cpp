#include "training/text_export.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "results/results_json.h"
#include "task/registry.h"
#include "text/answer.h"
#include "text/sces_csv.h"
#include "training/run_data.h"
#include "training/split.h"

namespace sceval::training {
namespace {

nlohmann::ordered_json assistant_turn(const std::string& content) {
  return nlohmann::ordered_json::array({{{"role", "assistant"}, {"content", content}}});
}

// The text task the run was of: --task, else results.json's task file (with the items file the run
// read), else its name in the task folders.
text::TextTask text_task_of(const nlohmann::json& results, const std::string& override_) {
  const auto& t = results["task"];
  const std::string items = t.value("items_path", "");
  const std::string items_ok = !items.empty() && path_exists(items) ? items : "";
  if (!override_.empty()) return text::load_text_task(task::resolve_task_path(override_), items_ok);
  const std::string path = t.value("path", "");
  if (!path.empty() && path_exists(path)) return text::load_text_task(path, items_ok);
  return text::load_text_task(task::resolve_task_path(t.value("name", "")), items_ok);
}

// The requests of stage text_counterfactual by (item id, target): messages and the raw reply.
std::map<std::pair<std::string, std::string>, std::pair<Conversation, std::string>> read_counterfactuals(
    const std::string& path) {
  std::map<std::pair<std::string, std::string>, std::pair<Conversation, std::string>> out;
  if (!path_exists(path)) return out;
  LineReader in(path, "samples.jsonl");
  for (std::string line; in.next(line);) {
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}", path, in.line_number());
    const nlohmann::json j = parse_json_bounded(line, where);
    if (!j.is_object() || j.value("stage", "") != "text_counterfactual" || j.contains("error")) continue;
    if (!j.contains("id") || !j["id"].is_string() || !j.contains("target") || !j["target"].is_string() ||
        !j.contains("response") || !j["response"].is_string() || !j.contains("messages") || !j["messages"].is_array())
      throw Error(fmt::format("{}: expected \"id\", \"target\", \"response\" (text) and \"messages\"", where));
    Conversation c;
    for (const auto& m : j["messages"]) {
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
          !m["content"].is_string())
        throw Error(fmt::format("{}: field \"messages\": expected objects with string role and content", where));
      c.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
    out[{j["id"].get<std::string>(), j["target"].get<std::string>()}] = {std::move(c), j["response"]};
  }
  return out;
}

// The reply that carries `revised` in the task's answer format, or nullopt when the task's own
// parser would not read it back (so no row teaches an answer the audit cannot parse).
std::optional<std::string> answer_text(const text::TextTask& t, const std::string& revised) {
  const std::string reply = t.format == text::AnswerFormat::Json ? nlohmann::json({{"revised", revised}}).dump()
                                                                 : t.revision_marker + " " + revised;
  const auto back = text::parse_revision(t, reply);
  if (!back.found || back.text != revised) return std::nullopt;
  return reply;
}

// random:FRACTION:SEED over item indices 0..n-1, the grid split's draw (split.h).
std::set<std::size_t> heldout_items(std::size_t n, const std::string& spec) {
  constexpr std::string_view kExpected = "text runs: random:FRACTION:SEED over items";
  if (spec.rfind("random:", 0) != 0)
    throw Error(fmt::format("--split \"{}\": features do not exist in a text task ({})", spec, kExpected));
  const std::vector<bool> held = random_heldout(n, spec, kExpected);
  std::set<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i)
    if (held[i]) out.insert(i);
  return out;
}

// Why a row gives no training row (docs/training.md "Text runs"), or nullptr.
const char* skip_reason(const text::SceRecord& r, Format format, bool has_chat, bool expressible) {
  if (!r.generated) return "not_generated";
  if (!r.valid) return "validity_na";
  if (!*r.valid) return "not_valid";
  if (!r.searched()) return "not_searched";  // the item's own answer was unusable or already the target
  if (*r.censored) return "censored";
  if (!has_chat) return "no_recorded_conversation";
  if (!expressible) return "answer_format_cannot_express_text";
  if (format != Format::Sft && r.minimal_text == r.revised_text) return "already_minimal";  // nothing to prefer
  return nullptr;
}

}  // namespace

bool is_text_run(const std::string& dir) {
  const std::string f = dir + "/results.json";
  if (!path_exists(f)) return false;
  return text::is_text_results(parse_json_bounded(read_file_text(f), f));
}

TextExport export_text_training(const std::string& dir, Format format, const std::string& split,
                                const std::string& task_override) {
  if (format == Format::Prompts)
    throw Error("format prompts: the reward verifier scores grid points; text runs export sft, dpo or openai-dpo");
  const nlohmann::json results = results::read_results_json(dir + "/results.json");
  const text::TextTask t = text_task_of(results, task_override);
  const auto records = text::read_sce_records(dir + "/sces.csv");
  const auto chats = read_counterfactuals(dir + "/samples.jsonl");
  TextExport out;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < t.items.size(); ++i) index[t.items[i].id] = i;
  std::set<std::size_t> heldout;
  if (!split.empty()) heldout = heldout_items(t.items.size(), split);
  out.stats.sce_rows = records.size();
  for (const auto& r : records) {
    const auto it = index.find(r.id);
    if (it == index.end())
      throw Error(
          fmt::format("{}/sces.csv: item \"{}\" is not an item of task {} ({})", dir, r.id, t.name, t.items_path));
    if (heldout.contains(it->second)) {
      ++out.stats.heldout;
      continue;
    }
    const auto chat = chats.find({r.id, r.target});
    const auto ideal = answer_text(t, r.minimal_text);
    if (const char* reason = skip_reason(r, format, chat != chats.end(), ideal.has_value())) {
      ++out.stats.skipped[reason];
      continue;
    }
    const auto prompt = to_json(chat->second.first);
    nlohmann::ordered_json row;
    if (format == Format::Sft) {
      row["messages"] = prompt;
      row["messages"].push_back(assistant_turn(*ideal)[0]);
    } else if (format == Format::Dpo) {
      row = {{"prompt", prompt}, {"chosen", assistant_turn(*ideal)}, {"rejected", assistant_turn(chat->second.second)}};
    } else {
      row["input"] = {{"messages", prompt}};
      row["preferred_output"] = assistant_turn(*ideal);
      row["non_preferred_output"] = assistant_turn(chat->second.second);
    }
    out.rows.push_back(std::move(row));
    ++out.stats.exported;
  }
  if (!split.empty()) {
    nlohmann::ordered_json train = nlohmann::ordered_json::array(), held = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < t.items.size(); ++i) (heldout.contains(i) ? held : train).push_back(t.items[i].id);
    out.train_items = train.size(), out.heldout_items = held.size();
    out.split = {{"kind", "split"},
                 {"schema_version", 1},
                 {"spec", split},
                 {"task", t.name},
                 {"items", t.items.size()},
                 {"run", {{"path", dir}, {"sha256", run_sha256(dir)}}},
                 {"train", std::move(train)},
                 {"heldout", std::move(held)}};
  }
  return out;
}

}  // namespace sceval::training
