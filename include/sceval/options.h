#pragma once
// The one table of run options. From it come the CLI flags (`--max-tokens`), the sweep-config
// keys and Python keyword arguments (`max_tokens`; '-' or '_' both accepted), and the `settings`
// block of results.json. Every value is validated here, once, whoever gives it.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
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

class Options;

// Defaults that the run options share with the commands' own structs (score, compare, the quiz):
// each written once.
inline constexpr std::int64_t kDefaultSeed = 42;         // sampling points and complements; bootstrap
inline constexpr std::int64_t kDefaultBootstrap = 2000;  // bootstrap resamples for CIs
// The paper's generation settings (greedy decoding, so the seed matters only above temperature 0).
inline constexpr std::int64_t kPaperMaxTokens = 1000;
inline constexpr std::int64_t kPaperGenerationSeed = 42;

struct OptionSpec {
  std::string name;  // canonical, snake_case: Python kwarg, sweep key, results.json settings key
  OptionType type;
  std::string help;
  nlohmann::json default_value;  // null: unset (e.g. limit: every grid point); for run options, the field's default
  unsigned scope = scope::kModel;
  std::vector<std::string> choices;  // Choice only
  double min = 0, max = 0;           // Integer / Number: inclusive bounds (min == max: unbounded)
  std::string group;                 // "protocol", "sampling", "cache", "output", "gguf": help sections
  // Run options: the Options field this row is bound to (null for a command's own flag).
  std::function<nlohmann::json(const Options&)> read;
  std::function<void(Options&, const nlohmann::json&)> write;

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

// The run options: one typed field per row of option_table(), which binds each field to its name,
// help, bounds, scope and group (as llama.cpp's common_arg binds a flag to a field). The default
// of each option is its field's initial value here and nowhere else.
class Options {
 public:
  // The protocol.
  std::string decision_map = "generate";  // generate | score | lazy | auto
  std::int64_t max_queries_per_point = 1000;
  std::optional<std::int64_t> limit;   // follow-ups for the first N points; unset: every point
  std::optional<std::int64_t> sample;  // follow-ups for N points drawn with seed
  std::int64_t seed = kDefaultSeed;
  bool all_complements = false;
  bool no_live_check = false;
  bool with_history = false;
  std::optional<std::string> distance;    // unset: the task's
  std::optional<std::string> items_file;  // a text task's items file given at run time; unset: the task file's
  std::int64_t bootstrap = kDefaultBootstrap;
  // Sampling.
  std::int64_t max_tokens = kPaperMaxTokens;
  double temperature = 0.0;  // the paper's (greedy)
  std::int64_t gen_seed = kPaperGenerationSeed;
  bool llama_system_prompt = false;
  std::optional<std::string> system;
  std::int64_t chunk = 64;
  // The response cache.
  std::optional<std::string> cache;  // unset: $SCEVAL_CACHE or ~/.cache/sceval/responses.sqlite
  bool no_cache = false;
  bool refresh = false;
  // Output.
  bool overwrite = false;
  bool quiet = false;
  std::string log_level = "info";
  // The in-process engine (gguf: specs).
  std::int64_t threads = 1;  // more collapse when another program holds a core (bench/threads_under_load.sh)
  std::int64_t ctx = 0;
  std::int64_t parallel = 0;
  std::int64_t batch = 0;
  std::optional<std::string> chat_template;
  bool reference_mode = false;

  // Sets an option by name ('-' or '_') from a JSON value (sweep configs, Python); null: back to
  // the default. `where` prefixes error messages ("sweep.json: settings.limit"). Throws
  // sceval::Error for an unknown name, a wrong type or a value out of range.
  Options& set(std::string_view name, const nlohmann::json& value, const std::string& where = "");
  // The same from command-line text ("5", "0.7", "true").
  Options& set_text(std::string_view name, const std::string& text, const std::string& where = "");
  // Sets every key of a JSON object.
  Options& update(const nlohmann::json& object, const std::string& where = "");

  bool has(std::string_view name) const;            // given explicitly (by set, set_text or update)
  nlohmann::json get(std::string_view name) const;  // the field's value as JSON (null: unset)

  // Every recorded option of `scope` with its effective value, by canonical name (results.json settings).
  nlohmann::json to_json(unsigned scope_bits = scope::kAll) const;
  // The options given explicitly, by canonical name.
  nlohmann::json given() const;

 private:
  std::set<std::string> given_;
};

const std::vector<OptionSpec>& option_table();
// The spec of `name` ('-' or '_'), or null.
const OptionSpec* find_option(std::string_view name);

// Numeric flags of single commands, checked like the run options but not run options themselves (no
// sweep key, not in results.json settings): gower-quiz items and candidates, prompt's index, sweep's
// shards, llm generate's top_p and top_logprobs, llm's flash_attn, simulate's hamming, per_point, explanation and
// shard.
const std::vector<OptionSpec>& command_option_table();
// The spec of a run option or of a command's own flag; throws sceval::Error if there is none.
const OptionSpec& option_spec(std::string_view name);

}  // namespace sceval
