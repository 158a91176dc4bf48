#pragma once
// The one table of run options. From it come the CLI flags (`--max-tokens`), the sweep-config
// keys and Python keyword arguments (`max_tokens`; '-' or '_' both accepted), and the `settings`
// block of results.json. Every value is validated here, once, whoever gives it.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sceval {

enum class OptionType { Flag, Integer, Number, Text, Choice };

// Which commands take an option (bit set).
namespace scope {
inline constexpr unsigned kModel = 1;        // every command that asks a model: run, stability, gower-quiz, sweep
inline constexpr unsigned kDecisionMap = 2;  // commands that build decision maps: run, stability, sweep
inline constexpr unsigned kRun = 4;          // the SCE protocol: run, sweep
inline constexpr unsigned kAll = 7;
}  // namespace scope

struct OptionSpec {
  std::string name;        // canonical, snake_case: Python kwarg, sweep key, results.json settings key
  OptionType type;
  std::string help;
  nlohmann::json default_value;  // null: unset (e.g. limit: every grid point)
  unsigned scope = scope::kModel;
  std::vector<std::string> choices;  // Choice only
  double min = 0, max = 0;           // Integer / Number: inclusive bounds (min == max: unbounded)
  std::string group;                 // "protocol", "sampling", "cache", "output", "gguf": help sections

  std::string flag() const;  // "--max-tokens"
  // In results.json settings: what can change the results (not the cache file or log level).
  bool recorded() const { return group != "cache" && group != "output"; }

  // `value` checked against this spec (type; range, where NaN and infinities are out of range): the
  // value to store. `where` prefixes errors (empty: the flag): "--limit: -5 is out of range (1 to
  // 2^63)". Throws sceval::Error.
  nlohmann::json check(const nlohmann::json& value, const std::string& where = "") const;
  // The same from command-line text ("5", "0.7", "true", "nan").
  nlohmann::json parse(const std::string& text, const std::string& where = "") const;
};

const std::vector<OptionSpec>& option_table();
// The spec of `name` ('-' or '_'), or null.
const OptionSpec* find_option(std::string_view name);

// Numeric flags of single commands, checked like the run options but not run options themselves (no
// sweep key, not in results.json settings): gower-quiz items and candidates, prompt's index, sweep's
// shards, llm generate's top_p and top_logprobs, llm's flash_attn.
const std::vector<OptionSpec>& command_option_table();
// The spec of a run option or of a command's own flag; throws sceval::Error if there is none.
const OptionSpec& option_spec(std::string_view name);

class Options {
 public:
  // Sets an option from a JSON value (sweep configs, Python). `where` prefixes error messages
  // ("sweep.json: settings.limit"). Throws sceval::Error for an unknown name, a wrong type or a
  // value out of range.
  Options& set(std::string_view name, const nlohmann::json& value, const std::string& where = "");
  // The same from command-line text ("5", "0.7", "true").
  Options& set_text(std::string_view name, const std::string& text, const std::string& where = "");
  // Sets every key of a JSON object.
  Options& update(const nlohmann::json& object, const std::string& where = "");

  bool has(std::string_view name) const;
  // The value given, else the default (null for unset optional values).
  const nlohmann::json& get(std::string_view name) const;
  bool flag(std::string_view name) const { return get(name).get<bool>(); }
  std::int64_t integer(std::string_view name) const { return get(name).get<std::int64_t>(); }
  double number(std::string_view name) const { return get(name).get<double>(); }
  std::string text(std::string_view name) const;  // "" when null

  // Every recorded option of `scope` with its effective value, by canonical name (results.json settings).
  nlohmann::json to_json(unsigned scope_bits = scope::kAll) const;
  const std::map<std::string, nlohmann::json>& given() const { return values_; }

 private:
  std::map<std::string, nlohmann::json> values_;
};

}  // namespace sceval
