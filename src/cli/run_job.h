#pragma once
// What `sceval run` does with its options, shared by `run`, `sweep` and `stability`: the options as
// given (strings and flags, from the command line or a sweep config), turned into RunSettings, and
// one run on an already loaded model through the response cache.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/model_factory.h"
#include "experiment/run.h"
#include "llm/cache/caching_backend.h"

namespace CLI {
class App;
}

namespace sceval::cli {

struct RunOptions {
  experiment::RunSettings s;  // task, model, output, and the options stored directly
  LocalModelOptions local;
  std::string decision_map = "generate", distance, cache, system;
  std::size_t limit = 0, sample = 0;
  bool no_cache = false, refresh = false, llama_system = false, no_live = false, quiet = false;
  std::string log_level = "info";
};

enum class LogLevel { Error, Warn, Info, Debug };

// --quiet and --log-level as one level; throws on an unknown level name.
LogLevel log_level(const RunOptions& o);
// Every retried HTTP attempt on stderr at debug level (keys removed by the backend); else nothing.
AttemptLog attempt_log(const RunOptions& o);

// The options of every command that asks a model (run, stability, gower-quiz): --model, sampling,
// system prompt, --chunk, the cache, --quiet/--log-level and the gguf options; --decision-map unless `decision_map` is false.
void add_model_options(CLI::App* c, RunOptions& o, bool decision_map = true);

// Checks the string options and fills in s (decision-map mode, limit, sample, system prompt...).
experiment::RunSettings finish_settings(const RunOptions& o);
llm::CachingOptions caching_options(const RunOptions& o);

// Progress on stderr (as the log level allows) for stages asking through `cached`, which must
// outlive the returned function.
experiment::Progress attach_progress(const RunOptions& o, llm::CachingBackend& cached);

// Runs the protocol on `model` (through a cache per caching_options) with progress on stderr and
// prints the summary (both as the log level allows); results.json gets the spec without secrets;
// returns the report (failed requests are not an error here: the caller decides).
experiment::RunReport run_on_model(const RunOptions& o, Model& model);

// Sets `key` (a `sceval run` long option name, '-' or '_') from a JSON value; false if unknown.
// Throws sceval::Error naming `where` when the value has the wrong type.
bool set_run_option(RunOptions& o, const std::string& key, const nlohmann::json& value, const std::string& where);

}  // namespace sceval::cli
