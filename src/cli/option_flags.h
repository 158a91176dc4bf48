#pragma once
// Command-line flags made from the library's option table (sceval::option_table()), and the
// printing shared by several commands. No orchestration here: every command calls the public API.
#include <string>

#include <nlohmann/json.hpp>

#include "cli/progress.h"
#include "sceval/options.h"
#include "sceval/run.h"

namespace CLI {
class App;
}

namespace sceval::cli {

// One flag per option of the table whose scope meets `scope_bits`; values land in `o`, validated
// by the table as they are parsed.
void add_option_flags(CLI::App* c, Options& o, unsigned scope_bits);

enum class LogLevel { Error, Warn, Info, Debug };
LogLevel log_level(const Options& o);  // --quiet / --log-level

// Progress on stderr as the log level allows (bar on a terminal, plain lines otherwise) and, at
// debug level, every retried request.
Callbacks callbacks(const Options& o);

// Summary cells: rates as percentages, other numbers to 4 places, null (NaN) as NA.
std::string format_rate(const nlohmann::json& x);
std::string format_value(const nlohmann::json& x);

// The two modes' headline metrics of a results.json, one line each (stdout).
void print_metrics(const nlohmann::json& results);

}  // namespace sceval::cli
