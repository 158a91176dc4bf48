#pragma once
// Command-line flags made from the library's option table (sceval::option_table()), and the
// printing shared by several commands. No orchestration here: every command calls the public API.
#include <functional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/progress.h"
#include "sceval/options.h"
#include "sceval/run.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace sceval::cli {

// One flag per option of the table whose scope meets `scope_bits`; values land in `o`, validated
// by the table as they are parsed.
void add_option_flags(CLI::App* c, Options& o, unsigned scope_bits);

// A command's own numeric flag, checked by the spec `spec_name` (sceval::option_spec: a run option
// such as bootstrap or seed, or a command flag such as items) as it is parsed, with the same
// message as the table's options: "--items: 0 is out of range (1 to 1000000)". CLI11's own
// conversion is not used: it turns "-5" into a huge unsigned value.
CLI::Option* add_checked_option(CLI::App* c, const std::string& flags, std::string_view spec_name,
                                const std::string& help, std::function<void(const nlohmann::json&)> set);
template <class T>
CLI::Option* add_checked_option(CLI::App* c, const std::string& flags, std::string_view spec_name, T& target,
                                const std::string& help) {
  return add_checked_option(c, flags, spec_name, fmt::format("{} [default: {}]", help, target),
                            [&target](const nlohmann::json& v) { target = v.get<T>(); });
}

// The option refuses an empty value ("--split ''" read as "no split" before): exit 1 naming it.
CLI::Option* non_empty(CLI::Option* option);

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
