#include "report/text_run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "common/file.h"
#include "report/page_data.h"
#include "report/run_dir.h"
#include "text/edit.h"
#include "text/text_task.h"

namespace fs = std::filesystem;

namespace sceval::report {
namespace {

using nlohmann::json;

std::vector<std::string> text_options(const RunDir& run) {
  const json& t = run.results["task"];
  if (!t.contains("options") || !t["options"].is_array() ||
      !std::all_of(t["options"].begin(), t["options"].end(), [](const json& o) { return o.is_string(); }))
    throw Error(fmt::format("{}/results.json: task.options missing or not a list of labels", run.path));
  return t["options"].get<std::vector<std::string>>();
}

// sces.csv of a text run: refused at the header without the columns the page cannot do without,
// and at the first row whose target is not one of the task's options.
Table read_text_sces(const std::string& path, const std::vector<std::string>& options) {
  Table t = csv::read_file(path, csv::kMaxRecordBytes,
                           csv::require_columns({"id", "target", "revised_text", "generated", "valid"}));
  check_targets(t, options);
  return t;
}

// src/text writes "true" / "false" / "" (NA); "1" / "0" are accepted too (a hand-edited file).
json flag_cell(const Table& t, std::size_t r, std::optional<std::size_t> c) {
  if (!c || t.rows[r][*c].empty()) return nullptr;
  const std::string& v = t.rows[r][*c];
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  throw Error(fmt::format("{}: expected true, false or empty, got '{}'", t.where(r, *c), v));
}

enum class Kind { Text, Flag, Number };
struct Field {
  const char* key;     // in the page data
  const char* column;  // in sces.csv (docs/text.md)
  Kind kind;
};
constexpr Field kFields[] = {
    {"id", "id", Kind::Text},
    {"target", "target", Kind::Text},
    {"original_answer", "original_answer", Kind::Text},
    {"original_reason", "original_reason", Kind::Text},
    {"revised", "revised_text", Kind::Text},
    {"generated", "generated", Kind::Flag},
    {"generated_reason", "generated_reason", Kind::Text},
    {"valid", "valid", Kind::Flag},
    {"valid_with_history", "valid_with_history", Kind::Flag},
    {"fresh_answer", "fresh_answer", Kind::Text},
    {"history_answer", "history_answer", Kind::Text},
    {"answer_reason", "answer_reason", Kind::Text},
    {"levenshtein", "levenshtein", Kind::Number},
    {"levenshtein_normalized", "levenshtein_normalized", Kind::Number},
    {"sce_hunks", "sce_edit_hunks", Kind::Number},
    {"sce_words", "sce_words_changed", Kind::Number},
    {"minimal_hunks", "minimal_edit_hunks", Kind::Number},
    {"minimal_words", "minimal_words_changed", Kind::Number},
    {"minimal_levenshtein", "minimal_levenshtein", Kind::Number},
    {"minimal", "minimal_text", Kind::Text},
    {"excess", "excess", Kind::Number},
    {"censored", "censored", Kind::Flag},
    {"queries", "ddmin_queries", Kind::Number},
};

json field_value(const Table& t, std::size_t r, const Field& f, std::optional<std::size_t> c) {
  switch (f.kind) {
    case Kind::Flag:
      return flag_cell(t, r, c);
    case Kind::Number:
      return number_cell(t, r, c);
    default:
      return c ? json(t.rows[r][*c]) : json(nullptr);
  }
}

// The row's original text and why it is missing: the items file may lack the id, or hold another
// text for it (a different items file with the same ids must not produce false diffs: the original
// must be at the Levenshtein distance sces.csv records from the revision).
std::pair<json, json> original_of(const RunDir& run, const json& row) {
  const auto it = run.originals.find(row["id"].get<std::string>());
  if (it == run.originals.end())
    return {nullptr, run.originals.empty() ? json(run.originals_note)
                                           : json(fmt::format("id not in the items file {}", run.originals_source))};
  const json& lev = row["levenshtein"];
  if (lev.is_number() && row["revised"].is_string()) {
    const auto d = text::levenshtein(it->second, row["revised"].get<std::string>());
    if (static_cast<double>(d) != lev.get<double>())
      return {nullptr, fmt::format("the items file {} holds another text for this id (distance {} to the revision, "
                                   "sces.csv says {})",
                                   run.originals_source, d, lev.dump())};
  }
  return {it->second, nullptr};
}

json text_row(const RunDir& run, std::size_t r, const std::vector<std::optional<std::size_t>>& cols) {
  const Table& t = run.sces;
  json row = {{"line", t.row_lines.empty() ? r + 2 : t.row_lines[r]}};
  for (std::size_t k = 0; k < std::size(kFields); ++k) row[kFields[k].key] = field_value(t, r, kFields[k], cols[k]);
  const std::pair<json, json> known = original_of(run, row);  // (not a structured binding: the lambda reads it)
  const json& original = known.first;
  row["original"] = original;
  row["original_note"] = known.second;
  const auto diff_to = [&](const char* key) {
    const json& b = row[key];
    return original.is_string() && b.is_string() && !b.get_ref<const std::string&>().empty()
               ? word_diff(original.get_ref<const std::string&>(), b.get_ref<const std::string&>())
               : json(nullptr);
  };
  row["sce_diff"] = diff_to("revised");
  // Only searched rows have a minimal sub-edit (an empty minimal_text is then a real, empty text).
  row["minimal_diff"] = row["minimal_hunks"].is_null() ? json(nullptr) : diff_to("minimal");
  return row;
}

// The calls a row's detail shows: its counterfactual request and both validity questions (the
// prediction is the first turn of the counterfactual chat; ddmin's partial revisions are many).
json text_samples(const std::vector<json>& samples) {
  json out = json::array();
  for (const auto& s : samples) {
    if (s.value("stage", "") != "text_counterfactual" && s.value("stage", "") != "text_validity") continue;
    json o = json::object();
    for (const char* k : {"id", "stage", "target", "context", "messages", "response", "finish", "error"})
      if (s.contains(k)) o[k] = s[k];
    out.push_back(std::move(o));
  }
  return out;
}

std::string join_tokens(const std::vector<text::Token>& t, std::size_t from, std::size_t to) {
  std::string s;
  for (std::size_t i = from; i < to; ++i) s += t[i].space + t[i].word;
  return s;
}

// Unchanged tokens original[from, to), the first being revised[rev]. Spaced as in the original, but
// a first token the original writes without a space (text start, after "(") takes the revision's
// space: otherwise a word inserted before it would run into it ("(very" + "good)").
std::string join_unchanged(const text::EditScript& e, std::size_t from, std::size_t to, std::size_t rev) {
  if (from >= to) return "";
  const std::string& space = e.original[from].space.empty() ? e.revised[rev].space : e.original[from].space;
  return space + e.original[from].word + join_tokens(e.original, from + 1, to);
}

}  // namespace

bool is_text_run(const json& results) { return results.value("protocol", json()) == "text"; }

void load_text_run(RunDir& run) {
  const std::string dir = run.path + "/";
  run.text = true;
  const auto options = text_options(run);
  run.decision_map = csv::read_file(dir + "decision_map.csv", csv::kMaxRecordBytes, csv::require_columns({"id"}));
  run.sces = read_text_sces(dir + "sces.csv", options);
  run.samples = read_samples(dir + "samples.jsonl");
  read_text_originals(run);
}

void read_text_originals(RunDir& run) {
  const json& task = run.results["task"];
  const json recorded = task.value("items_path", json());
  if (!recorded.is_string() || recorded.get<std::string>().empty()) {
    run.originals_note = "results.json records no items file (task.items_path), so the original texts are unknown";
    return;
  }
  const fs::path p(recorded.get<std::string>());
  std::vector<fs::path> tries;
  if (p.is_absolute())
    tries.push_back(p);
  else
    tries.push_back(fs::path(run.path) / p), tries.push_back(p);
  if (p.has_filename()) tries.push_back(fs::path(run.path) / p.filename());
  for (const auto& f : tries) {
    if (path_type(f) != fs::file_type::regular) continue;
    try {
      for (auto& item : text::read_items(f.string())) run.originals.emplace(item.id, std::move(item.text));
      run.originals_source = f.string();
    } catch (const Error& e) {
      // The run's own files are fine: the page still shows them, without diffs, and says why.
      run.originals.clear();
      run.originals_note = fmt::format("the items file could not be read: {}", e.what());
    }
    return;
  }
  std::vector<std::string> names;
  for (const auto& f : tries) names.push_back(f.string());
  run.originals_note =
      fmt::format("the items file was not found (tried {}), so the original texts are unknown", fmt::join(names, ", "));
}

json word_diff(std::string_view a, std::string_view b) {
  const text::EditScript e = text::diff(a, b);
  json out = json::array();
  const auto push = [&out](const char* kind, std::string s) {
    if (!s.empty()) out.push_back({kind, std::move(s)});
  };
  std::size_t i = 0, j = 0;  // unchanged runs align one to one: original i <-> revised j
  for (const auto& h : e.hunks) {
    push("=", join_unchanged(e, i, h.orig_begin, j));
    push("-", join_tokens(e.original, h.orig_begin, h.orig_end));
    push("+", join_tokens(e.revised, h.rev_begin, h.rev_end));
    i = h.orig_end, j = h.rev_end;
  }
  push("=", join_unchanged(e, i, e.original.size(), j));
  return out;
}

json text_run_page_data(const RunDir& run) {
  std::vector<std::optional<std::size_t>> cols;
  for (const auto& f : kFields) cols.push_back(run.sces.column(f.column));
  json rows = json::array();
  for (std::size_t r = 0; r < run.sces.rows.size(); ++r) rows.push_back(text_row(run, r, cols));
  const json& res = run.results;
  const std::string model = res.contains("model") && res["model"].is_object() ? res["model"].value("spec", "") : "";
  return {{"name", run.name},
          {"path", run.path},
          {"protocol", "text"},
          {"task", res["task"].value("name", "")},
          {"model", model.empty() ? "(no model recorded: " + run.name + ")" : model},
          {"options", text_options(run)},
          {"results", res},
          {"rows", rows},
          {"items", {{"source", run.originals_source}, {"note", run.originals_note}, {"texts", run.originals.size()}}},
          {"samples", text_samples(run.samples)}};
}

}  // namespace sceval::report
