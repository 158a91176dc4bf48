#include "cli/option_flags.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

namespace sceval::cli {

void add_option_flags(CLI::App* c, Options& o, unsigned scope_bits) {
  for (const auto& spec : option_table()) {
    if (!(spec.scope & scope_bits)) continue;
    const std::string name = spec.name;
    const std::string flag = name == "quiet" ? spec.flag() + ",-q" : spec.flag();  // -q: as every Unix tool
    std::string help = spec.help;
    if (!spec.default_value.is_null() && spec.type != OptionType::Flag)
      help += fmt::format(" [default: {}]", spec.default_value.is_string() ? spec.default_value.get<std::string>()
                                                                           : spec.default_value.dump());
    if (spec.type == OptionType::Flag) {
      c->add_flag_callback(
           flag, [&o, name, flag] { o.set(name, true, flag); }, help)
          ->group(spec.group);
      continue;
    }
    auto* opt = c->add_option_function<std::string>(
        flag, [&o, name, flag](const std::string& v) { o.set_text(name, v, flag); }, help);
    opt->group(spec.group);
    opt->type_name(spec.type == OptionType::Integer  ? "N"
                   : spec.type == OptionType::Number ? "X"
                   : spec.type == OptionType::Choice ? "CHOICE"
                                                     : "TEXT");
  }
}

CLI::Option* non_empty(CLI::Option* option) {
  return option->check([](const std::string& v) {
    return v.empty() ? std::string("empty (leave the flag out instead)") : std::string();
  });
}

CLI::Option* add_checked_option(CLI::App* c, const std::string& flags, std::string_view spec_name,
                                const std::string& help, std::function<void(const nlohmann::json&)> set) {
  const OptionSpec& spec = option_spec(spec_name);
  return c
      ->add_option_function<std::string>(
          flags, [&spec, set](const std::string& v) { set(spec.parse(v)); }, help)
      ->type_name(spec.type == OptionType::Integer ? "N" : "X");
}

LogLevel log_level(const Options& o) {
  if (o.quiet) return LogLevel::Error;
  const std::string& l = o.log_level;
  return l == "error"   ? LogLevel::Error
         : l == "warn"  ? LogLevel::Warn
         : l == "debug" ? LogLevel::Debug
                        : LogLevel::Info;
}

Callbacks callbacks(const Options& o) {
  Callbacks cb;
  const LogLevel level = log_level(o);
  auto counts = std::make_shared<ProgressCounts>();
  auto reporter =
      std::make_shared<ProgressReporter>(progress_style(level < LogLevel::Info), [counts] { return *counts; });
  cb.progress = [reporter, counts](const Progress& p) {
    counts->cache_hits = p.cache_hits;
    counts->failures = p.failures;
    if (p.chunk_total)
      reporter->within_chunk(p.chunk_done, p.chunk_total);
    else
      reporter->stage(p.stage, p.done, p.total);
  };
  if (level >= LogLevel::Debug) cb.log = [](const std::string& line) { fmt::print(stderr, "\ndebug: {}\n", line); };
  return cb;
}

std::string format_rate(const nlohmann::json& x) {
  return x.is_null() ? "NA" : fmt::format("{:.2f}%", 100 * x.get<double>());
}
std::string format_value(const nlohmann::json& x) {
  return x.is_null() ? "NA" : fmt::format("{:.4f}", x.get<double>());
}

void print_metrics(const nlohmann::json& r) {
  for (const char* mode : {"paper", "strict"}) {
    if (!r.contains(mode) || !r[mode].contains("metrics")) {  // lazy runs: no paper mode
      fmt::print("{:<7} not available: {}\n", mode, r.contains(mode) ? r[mode].value("reason", "") : "");
      continue;
    }
    const auto& m = r[mode]["metrics"];
    fmt::print("{:<7} N={:<6} validity {:>8}  mean RCF_A {:>8}  TM {:>8}  exact match {:>8}\n", mode,
               m["n"].get<std::int64_t>(), format_rate(m["validity"]), format_value(m["mean_rcf_a"]),
               format_value(m["tm"]), format_rate(m["exact_match"]));
  }
}

}  // namespace sceval::cli
