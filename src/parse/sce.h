#pragma once
// A follow-up reply (the model's self-generated counterfactual) -> a record on the task's grid,
// as the paper's main.py + dict_keys_to_numbers + *_postprocessing read it, with the per-dataset
// rules taken from the task file (feature `number_parse`, `grade_fallback`). See docs/parsing.md.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grid/grid.h"
#include "parse/json_text.h"
#include "task/task.h"

namespace sceval::parse {

enum class Status {
  Ok,             // every feature parsed and on the grid: `record` is set
  NoJson,         // no '{' or '[' in the reply
  MalformedJson,  // a JSON candidate that no repair parses
  NotAnObject,    // (paper key lookup) the JSON is an array: the paper reads no feature from it
  MissingKey,     // a feature's key is absent (detail names it)
  UnknownLevel,   // a level text matches no level (detail names the text)
  NonNumeric,     // an integer feature's value is no (finite) number under its number rule
  OffGrid,        // every value parsed, some not on the grid: `values` holds them
};
std::string_view to_string(Status s);  // ok | no_json | malformed_json | not_an_object | missing_key
                                       // | unknown_level | non_numeric | off_grid
std::optional<Status> status_from_string(std::string_view s);

enum class KeyLookup {
  // main.py: keys matched exactly (case and spaces count) at the top level of an object, read in
  // order until the first key main.py does not know (neither a feature key of this task nor one
  // of the paper's 16 feature keys) — the keys after it are never read.
  Paper,
  // sceval extension: each feature key looked up with find_key (case- and space-insensitive,
  // searching nested values the way extract_dict_answer does).
  Recursive,
};

struct SceOptions {
  KeyLookup keys = KeyLookup::Paper;
  // sceval extension: a level value that matches no level text (nor the grade rule) but is a bare
  // integer equal to a level's code means that level ("16" -> code 16).
  bool level_codes = false;

  static SceOptions paper() { return {}; }
  static SceOptions lenient() { return {KeyLookup::Recursive, true}; }
};

struct SceParse {
  Status status = Status::NoJson;
  std::string detail;                         // what failed and where; empty when ok
  std::vector<std::optional<double>> values;  // numeric value per feature (level code for levels)
  std::optional<grid::Record> record;         // positions, when every value is on the grid
  std::vector<Status> feature_status;         // Ok / MissingKey / UnknownLevel / NonNumeric / OffGrid
  Json raw;                                   // the reply's JSON (null when none)
  JsonRepair repair = JsonRepair::None;       // how the JSON was read
  bool ok() const { return status == Status::Ok; }
};

// Never throws.
SceParse parse_sce(const task::Task& task, std::string_view reply, const SceOptions& options = {}) noexcept;
// The same on a reply already read by parse_json_from_text (one reply read against several tasks
// or options reads its JSON once).
SceParse parse_sce(const task::Task& task, JsonParse json, const SceOptions& options = {}) noexcept;

// One feature's JSON value -> number and grid position, by the feature's rules.
struct FeatureValue {
  Status status = Status::Ok;  // Ok, UnknownLevel, NonNumeric or OffGrid
  std::optional<double> value;
  std::optional<std::size_t> position;
  std::string detail;
};
FeatureValue parse_feature_value(const task::Feature& f, const Json& v, const SceOptions& options = {});

// utils._normalize: "Bachelor's degree" -> "bachelors degree".
std::string normalize_level_text(std::string_view text);

// The keys main.py's var_names_map knows (the paper's feature keys over all its datasets).
bool is_paper_result_key(std::string_view key);

}  // namespace sceval::parse
