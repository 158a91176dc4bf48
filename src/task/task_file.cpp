#include <fmt/format.h>

#include <filesystem>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "task/level_text.h"
#include "task/task.h"
#include "task/template.h"

namespace sceval::task {
namespace {

using nlohmann::json;

// Reads fields of one JSON object and reports errors as "<file>: <path>: <what>".
class Reader {
 public:
  Reader(const json& j, std::string origin, std::string path)
      : j_(j), origin_(std::move(origin)), path_(std::move(path)) {
    if (!j_.is_object()) fail("", "expected an object");
  }
  [[noreturn]] void fail(std::string_view field, std::string_view what) const {
    std::string where = path_;
    // Appended piecewise: `const char* + std::string&&` trips GCC 12's -Wrestrict (bug 105651).
    if (!field.empty()) where.append(where.empty() ? "" : ".").append(field);
    throw Error(fmt::format("{}: {}: {}", origin_, where.empty() ? "(top level)" : where, what));
  }
  bool has(const char* f) const { return j_.contains(f) && !j_.at(f).is_null(); }
  const json& at(const char* f) const {
    if (!j_.contains(f)) fail(f, "missing required field");
    return j_.at(f);
  }
  std::string str(const char* f) const {
    const json& v = at(f);
    if (!v.is_string()) fail(f, "expected a string");
    return v.get<std::string>();
  }
  std::string str_or(const char* f, std::string dflt) const { return has(f) ? str(f) : dflt; }
  std::int64_t integer(const char* f) const {
    const json& v = at(f);
    if (!v.is_number_integer()) fail(f, "expected an integer");
    return v.get<std::int64_t>();
  }
  double number_or(const char* f, double dflt) const {
    if (!has(f)) return dflt;
    if (!at(f).is_number()) fail(f, "expected a number");
    return at(f).get<double>();
  }
  std::vector<std::string> strings(const char* f) const {
    const json& v = at(f);
    if (!v.is_array()) fail(f, "expected an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) fail(fmt::format("{}[{}]", f, i), "expected a string");
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }
  // Every key must be one of `known`: a misspelled optional field would otherwise be ignored.
  void only_keys(std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : j_.items())
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        std::string list;
        for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        fail(k, fmt::format("unknown field (expected one of: {})", list));
      }
  }
  Reader child(const json& v, std::string sub) const {
    return Reader(v, origin_, path_.empty() ? sub : path_ + "." + sub);
  }
  const std::string& origin() const { return origin_; }

 private:
  const json& j_;
  std::string origin_, path_;
};

constexpr std::int64_t kMaxCode = std::int64_t{1} << 53;
constexpr double kMinWeight = 1e-6, kMaxWeight = 1e6;
constexpr std::size_t kMaxTaskName = 100;  // bytes: cell folders join it with an alias and a shard

// Names the CSV formats use themselves; a feature so named would shadow them (README "File formats").
void check_feature_name(const Reader& r, const std::string& name) {
  if (name.empty()) r.fail("name", "must not be empty");
  for (const char* reserved : {"index", "label", "target"})
    if (name == reserved) r.fail("name", fmt::format("\"{}\" is reserved (a column of sceval's CSV files)", name));
  for (const char* prefix : {"p_", "orig_", "sce_"})
    if (name.starts_with(prefix))
      r.fail("name", fmt::format("\"{}\": names starting with \"{}\" are reserved (columns of sceval's CSV files)",
                                 name, prefix));
}

// An SCE names a level by its text, compared after answer_form (case, apostrophes, spaces and
// punctuation ignored): two levels of one form could never be told apart ("A+"/"A-": the right one
// was scored as a miss), and a level of no form (all emoji) is named by any reply without a letter.
void check_level_form(const Reader& lr, const Feature& f, const std::string& text, std::size_t i,
                      std::map<std::string, std::size_t>& forms) {
  const std::string form = answer_form(text);
  if (form.empty())
    lr.fail("text", fmt::format("\"{}\" of feature \"{}\" has no letter a-z or digit: answers are matched on their "
                                "letters and digits, so no answer could name this level",
                                text, f.name));
  if (auto [it, fresh] = forms.emplace(form, i); !fresh)
    lr.fail("text", fmt::format("\"{}\" and levels[{}] \"{}\" of feature \"{}\" both read as \"{}\": answers are "
                                "matched ignoring case, apostrophes, spaces and punctuation, so levels must differ in "
                                "more than case, spaces and punctuation",
                                text, it->second, f.levels[it->second].text, f.name, form));
}

void parse_integer_range(const Reader& r, Feature& f) {
  f.start = r.integer("start");
  f.stop = r.integer("stop");
  f.step = r.has("step") ? r.integer("step") : 1;
  if (f.step == 0) r.fail("step", "must not be 0");
  // Codes stay within ±2^53: exact as doubles (distances), and differences cannot overflow int64.
  const std::pair<const char*, std::int64_t> ends[] = {{"start", f.start}, {"stop", f.stop}, {"step", f.step}};
  for (const auto& [k, v] : ends)
    if (v < -kMaxCode || v > kMaxCode) r.fail(k, fmt::format("{} is out of range (|value| <= 2^53)", v));
  // Both ends are within ±2^53 (checked above), so stop - start cannot overflow int64.
  const std::int64_t span = f.stop - f.start;
  if (span % f.step != 0 || span / f.step < 0)
    r.fail("stop", fmt::format("{}..{} is not reachable from start in steps of {}", f.start, f.stop, f.step));
  if (span / f.step >= (std::int64_t{1} << 32))
    r.fail("stop", fmt::format("{}..{} in steps of {} has more than 2^32 values", f.start, f.stop, f.step));
}

Feature parse_feature(const Reader& r) {
  r.only_keys({"name", "key", "description", "weight", "type", "start", "stop", "step", "number_parse", "levels",
               "grade_fallback"});
  Feature f;
  f.name = r.str("name");
  check_feature_name(r, f.name);
  f.key = r.str_or("key", f.name);
  f.description = r.str("description");
  f.weight = r.number_or("weight", 1.0);
  // 0 leaves a feature out; other weights within 10^±6 keep Gower sums far from float under/overflow
  // (5e-324 made every distance 0 and RCF infinite).
  if (!(f.weight == 0 || (f.weight >= kMinWeight && f.weight <= kMaxWeight)))
    r.fail("weight", fmt::format("must be 0 or a number from {} to {}", kMinWeight, kMaxWeight));
  std::string type = r.str("type");
  if (type == "integer") {
    f.type = FeatureType::Integer;
    for (const char* k : {"levels", "grade_fallback"})
      if (r.has(k)) r.fail(k, "applies only to ordinal and categorical features (this one is an integer range)");
    parse_integer_range(r, f);
    std::string np = r.str_or("number_parse", "float");
    if (np == "float")
      f.number_parse = NumberParse::Float;
    else if (np == "first_integer")
      f.number_parse = NumberParse::FirstInteger;
    else
      r.fail("number_parse", "expected \"float\" or \"first_integer\"");
  } else if (type == "ordinal" || type == "categorical") {
    f.type = type == "ordinal" ? FeatureType::Ordinal : FeatureType::Categorical;
    const json& levels = r.at("levels");
    if (!levels.is_array() || levels.empty()) r.fail("levels", "expected a non-empty array");
    std::set<std::int64_t> codes;
    for (const char* k : {"start", "stop", "step", "number_parse"})
      if (r.has(k)) r.fail(k, "applies only to integer features");
    std::map<std::string, std::size_t> forms;  // answer_form of each level text -> its level
    for (std::size_t i = 0; i < levels.size(); ++i) {
      Reader lr = r.child(levels[i], fmt::format("levels[{}]", i));
      lr.only_keys({"code", "text"});
      Level l{lr.integer("code"), lr.str("text")};
      if (l.text.empty()) lr.fail("text", "must not be empty (an empty CSV cell means a missing value)");
      if (l.code < -kMaxCode || l.code > kMaxCode) lr.fail("code", "out of range (|value| <= 2^53)");
      if (!codes.insert(l.code).second) lr.fail("code", "duplicate code");
      check_level_form(lr, f, l.text, i, forms);
      f.levels.push_back(std::move(l));
    }
    if (r.has("grade_fallback")) {
      if (f.type != FeatureType::Ordinal) r.fail("grade_fallback", "applies only to ordinal features");
      Reader g = r.child(r.at("grade_fallback"), "grade_fallback");
      g.only_keys({"min", "max", "offset"});
      f.grade_fallback = GradeFallback{g.integer("min"), g.integer("max"), g.integer("offset")};
      const auto& gf = *f.grade_fallback;
      if (gf.min > gf.max) g.fail("max", "must be >= min");
      const std::pair<const char*, std::int64_t> fields[] = {{"min", gf.min}, {"max", gf.max}, {"offset", gf.offset}};
      for (const auto& [k, v] : fields)
        if (v < -kMaxCode || v > kMaxCode) g.fail(k, "out of range (|value| <= 2^53)");
    }
  } else {
    r.fail("type", fmt::format("unknown type \"{}\" (expected integer, ordinal or categorical)", type));
  }
  return f;
}

// A NUL byte ends a C string: llama.cpp's tokenizer and the prompt would cut the text there, and the
// reply's level could never equal the level. Any text of the file (a key too) is refused at load,
// before a model is asked. The depth is bounded by parse_json_bounded.
void refuse_nul(const json& j, const std::string& origin, const std::string& path) {
  auto fail = [&](const std::string& where) {
    throw Error(fmt::format("{}: {}: contains a NUL byte (\\u0000), which no prompt or answer can hold", origin,
                            where.empty() ? "(top level)" : where));
  };
  auto join = [&](const std::string& sub) { return path.empty() ? sub : path + "." + sub; };
  if (j.is_string() && j.get_ref<const std::string&>().find('\0') != std::string::npos) fail(path);
  if (j.is_object())
    for (const auto& [k, v] : j.items()) {
      if (k.find('\0') != std::string::npos) fail(join("(a key)"));
      refuse_nul(v, origin, join(k));
    }
  if (j.is_array())
    for (std::size_t i = 0; i < j.size(); ++i) refuse_nul(j[i], origin, fmt::format("{}[{}]", path, i));
}

void check_template(const Reader& r, const char* field, const std::string& tmpl,
                    std::initializer_list<std::string_view> allowed) {
  try {
    check_format_fields(tmpl, allowed);
  } catch (const Error& e) {
    r.fail(field, e.what());
  }
}

}  // namespace

std::string_view to_string(DistanceKind d) {
  return kDistanceNames.at(static_cast<std::size_t>(d));
  return "?";
}

std::optional<DistanceKind> distance_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kDistanceNames.size(); ++i)
    if (s == kDistanceNames[i]) return static_cast<DistanceKind>(i);
  if (s == "l1") return DistanceKind::L1Mad;  // older spellings, still accepted
  if (s == "l2") return DistanceKind::L2Std;
  return std::nullopt;
}

std::optional<std::size_t> Task::option_index(std::string_view label) const {
  for (std::size_t i = 0; i < options.size(); ++i)
    if (options[i] == label) return i;
  return std::nullopt;
}

std::size_t Task::feature_index(std::string_view n) const {
  for (std::size_t i = 0; i < features.size(); ++i)
    if (features[i].name == n) return i;
  throw Error(fmt::format("task {}: no feature named '{}'", name, n));
}

bool good_task_name(std::string_view n) {
  if (n.empty() || n == "." || n == "..") return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

namespace {

// A text task file ("input": "text", docs/text.md) as a grid-less task: its name, options and stop
// strings, so listing and name lookup work; its items and prompts are read by src/text.
Task text_input_task(const json& j, const std::string& origin) {
  Task t;
  t.path = origin;
  t.text_input = true;
  t.name = j.value("name", std::filesystem::path(origin).stem().string());
  t.title = j.value("title", t.name);
  if (!j.contains("options") || !j["options"].is_array())
    throw Error(fmt::format("{}: options: expected a list of labels", origin));
  for (const auto& o : j["options"])
    if (o.is_string()) t.options.push_back(o.get<std::string>());
  return t;
}

}  // namespace

Task parse_task(const json& j, const std::string& origin) {
  if (j.is_object() && j.contains("input") && j["input"] == "text") return text_input_task(j, origin);
  // A misspelled "input" would otherwise be read as a grid task and fail on some other field.
  if (j.is_object() && j.contains("input"))
    throw Error(fmt::format("{}: input: expected \"text\" (a text task; a grid task has no input field), got {}",
                            origin, j["input"].dump()));
  Reader r(j, origin, "");
  refuse_nul(j, origin, "");
  r.only_keys({"sceval_task", "name", "title", "source", "notes", "features", "options", "answer_key",
               "description_format", "prompt", "followup", "system_prompt", "distance", "stop"});
  if (!r.has("sceval_task") || r.integer("sceval_task") != 1)
    r.fail("sceval_task", "expected 1 (the task-file format version)");
  Task t;
  t.path = origin;
  t.name = r.str("name");
  // The name becomes a folder and file name in sweeps and stability runs.
  if (!good_task_name(t.name))
    r.fail("name", fmt::format("\"{}\": use letters, digits, '.', '_' and '-' (it becomes a file name)", t.name));
  if (t.name.size() > kMaxTaskName)
    r.fail("name",
           fmt::format("{} bytes long, at most {} (it becomes part of file names)", t.name.size(), kMaxTaskName));
  t.title = r.str_or("title", t.name);
  const json& feats = r.at("features");
  if (!feats.is_array() || feats.empty()) r.fail("features", "expected a non-empty array");
  std::set<std::string> names, keys;
  for (std::size_t i = 0; i < feats.size(); ++i) {
    Reader fr = r.child(feats[i], fmt::format("features[{}]", i));
    Feature f = parse_feature(fr);
    if (!names.insert(f.name).second) fr.fail("name", "duplicate feature name");
    if (!keys.insert(f.key).second) fr.fail("key", "duplicate feature key");
    check_template(fr, "description", f.description, {"value"});
    t.features.push_back(std::move(f));
  }
  if (std::all_of(t.features.begin(), t.features.end(), [](const Feature& f) { return f.weight == 0; }))
    r.fail("features", "every weight is 0: distances would all be 0/0; give a feature a weight > 0");
  t.options = r.strings("options");
  if (t.options.size() < 2) r.fail("options", "need at least 2 label options");
  if (std::set<std::string>(t.options.begin(), t.options.end()).size() != t.options.size())
    r.fail("options", "duplicate option");
  for (const auto& o : t.options) {
    if (o.empty()) r.fail("options", "an option must not be empty (empty means NA)");
    // results.json counts the map's labels by option text beside these two.
    if (o == "NA" || o == "off_label")
      r.fail("options", fmt::format("\"{}\" is reserved (it marks answers that match no option)", o));
  }
  for (std::size_t i = 0; i < t.features.size(); ++i)
    for (const auto& o : t.options)
      if (t.features[i].name == "p_" + o)
        r.fail(fmt::format("features[{}].name", i), "collides with a probability column");
  t.answer_key = r.str("answer_key");
  if (t.answer_key.empty()) r.fail("answer_key", "must not be empty");
  if (r.has("description_format")) {
    Reader d = r.child(r.at("description_format"), "description_format");
    d.only_keys({"prefix", "separator"});
    t.description_prefix = d.str_or("prefix", t.description_prefix);
    t.description_separator = d.str_or("separator", t.description_separator);
  }
  t.prompt = r.str("prompt");
  check_template(r, "prompt", t.prompt, {"description"});
  t.followup = r.str("followup");
  check_template(r, "followup", t.followup, {"complement"});
  if (r.has("system_prompt")) t.system_prompt = r.str("system_prompt");
  if (r.has("stop")) t.stop = r.strings("stop");
  for (const auto& s : t.stop)
    if (s.empty()) r.fail("stop", "a stop string must not be empty");
  std::string dist = r.str_or("distance", "gower");
  auto dk = distance_from_string(dist);
  if (!dk) r.fail("distance", fmt::format("unknown distance \"{}\" ({})", dist, fmt::join(kDistanceNames, ", ")));
  t.distance = *dk;
  if (r.has("notes")) t.notes = r.strings("notes");
  if (r.has("source")) t.source = r.at("source");
  return t;
}

Task load_task_file(const std::string& path) {
  return parse_task(parse_json_bounded(read_file_text(path, "task file", std::size_t{16} << 20), path), path);
}

}  // namespace sceval::task
