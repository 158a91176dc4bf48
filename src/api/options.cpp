// The run option table and its validation (include/sceval/options.h).
#include "sceval/options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "experiment/settings.h"
#include "sceval/error.h"
#include "task/task.h"

namespace sceval {
namespace {

using json = nlohmann::json;
using scope::kDecisionMap;
using scope::kModel;
using scope::kRun;

// A field's value as the table's JSON (null: an unset optional), and back.
template <class T>
json field_json(const T& v) {
  return json(v);
}
template <class T>
json field_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
template <class T>
void set_field(T& f, const json& v) {
  f = v.get<T>();
}
template <class T>
void set_field(std::optional<T>& f, const json& v) {
  if (v.is_null())
    f.reset();
  else
    f = v.get<T>();
}

// A row bound to its field: the default is the field's initial value in Options.
template <class T>
OptionSpec bound(T Options::*field, OptionSpec spec) {
  spec.default_value = field_json(Options{}.*field);
  spec.read = [field](const Options& o) { return field_json(o.*field); };
  spec.write = [field](Options& o, const json& v) { set_field(o.*field, v); };
  return spec;
}

OptionSpec flag(bool Options::*f, std::string name, std::string help, unsigned sc, std::string group) {
  return bound(f, {std::move(name), OptionType::Flag, std::move(help), {}, sc, {}, 0, 0, std::move(group), {}, {}});
}
template <class T>  // std::int64_t or std::optional<std::int64_t>
OptionSpec integer(T Options::*f, std::string name, std::string help, double min, double max, unsigned sc,
                   std::string group) {
  return bound(f,
               {std::move(name), OptionType::Integer, std::move(help), {}, sc, {}, min, max, std::move(group), {}, {}});
}
OptionSpec number(double Options::*f, std::string name, std::string help, double min, double max, unsigned sc,
                  std::string group) {
  return bound(f,
               {std::move(name), OptionType::Number, std::move(help), {}, sc, {}, min, max, std::move(group), {}, {}});
}
OptionSpec text(std::optional<std::string> Options::*f, std::string name, std::string help, unsigned sc,
                std::string group) {
  return bound(f, {std::move(name), OptionType::Text, std::move(help), {}, sc, {}, 0, 0, std::move(group), {}, {}});
}
template <class T>  // std::string or std::optional<std::string>
OptionSpec choice(T Options::*f, std::string name, std::string help, std::vector<std::string> choices, unsigned sc,
                  std::string group) {
  return bound(f, {std::move(name),
                   OptionType::Choice,
                   std::move(help),
                   {},
                   sc,
                   std::move(choices),
                   0,
                   0,
                   std::move(group),
                   {},
                   {}});
}
// A command's own numeric flag: not a run option, so bound to no field.
OptionSpec command_integer(std::string name, std::string help, double min, double max, std::string group) {
  return {std::move(name), OptionType::Integer, std::move(help), nullptr, 0, {}, min, max, std::move(group), {}, {}};
}

constexpr double kMaxU63 = 9.2e18;  // integers beyond this are refused (and int64 stays exact)

using O = Options;

// A choice's names from the module that defines them (one list per choice).
template <std::size_t N>
std::vector<std::string> names(const std::array<std::string_view, N>& list) {
  return {list.begin(), list.end()};
}

std::vector<OptionSpec> make_table() {
  return {
      // The protocol.
      choice(&O::decision_map, "decision_map",
             "generate (the paper: free generation) | score (label log-probabilities, soft map) | lazy (ask only "
             "the points each audited row needs; docs/lazy.md) | auto (lazy unless the full map costs no more)",
             names(experiment::kDecisionMapNames), kDecisionMap, "protocol"),
      integer(&O::max_queries_per_point, "max_queries_per_point",
              "lazy/auto: grid points one search may ask; rows that hit it are censored", 1, 1e9, kRun, "protocol"),
      integer(&O::limit, "limit", "Follow-ups for the first N grid points only", 1, kMaxU63, kRun, "protocol"),
      integer(&O::sample, "sample", "Follow-ups for N grid points drawn with --seed", 1, kMaxU63, kRun, "protocol"),
      integer(&O::seed, "seed", "Seed for sampling points and complements", 0, kMaxU63, kRun, "protocol"),
      flag(&O::all_complements, "all_complements", "k-way tasks: one SCE per other label", kRun, "protocol"),
      flag(&O::no_live_check, "no_live_check", "Do not ask the model about off-grid SCEs", kRun, "protocol"),
      flag(&O::with_history, "with_history",
           "Also ask each SCE's label in the follow-up's own chat (sces.csv history_* columns, results.json "
           "with_history; fresh-context metrics unchanged)",
           kRun, "protocol"),
      choice(&O::distance, "distance", "gower | l1_mad | l2_std (default: the task's)", names(task::kDistanceNames),
             kRun | kDecisionMap, "protocol"),
      integer(&O::bootstrap, "bootstrap", "Bootstrap resamples for CIs", 0, 1e7, kRun, "protocol"),
      text(&O::items_file, "items_file",
           "Text tasks: the items file (JSONL or CSV: id, text) instead of the one the task file names", kRun,
           "protocol"),
      // Sampling.
      integer(&O::max_tokens, "max_tokens", "Max tokens per reply (paper: 1000)", 1, 1e7, kModel, "sampling"),
      number(&O::temperature, "temperature", "Sampling temperature (paper: 0)", 0, 100, kModel, "sampling"),
      integer(&O::gen_seed, "gen_seed", "Generation seed (paper: 42)", 0, kMaxU63, kModel, "sampling"),
      flag(&O::llama_system_prompt, "llama_system_prompt", "The paper's system prompt for Llama models", kModel,
           "sampling"),
      text(&O::system, "system", "A system prompt", kModel, "sampling"),
      integer(&O::chunk, "chunk", "Requests per batch (fixed, for exact resumes)", 1, 1e7, kModel, "sampling"),
      // The response cache.
      text(&O::cache, "cache", "Response cache file (default: $SCEVAL_CACHE or ~/.cache/sceval/responses.sqlite)",
           kModel, "cache"),
      flag(&O::no_cache, "no_cache", "Do not read or write the cache", kModel, "cache"),
      flag(&O::refresh, "refresh", "Ask again and overwrite cached answers", kModel, "cache"),
      // Output.
      flag(&O::overwrite, "overwrite",
           "Replace what the output folder holds: a finished run of other settings, or files of run-file names "
           "that no finished run explains (default: refuse)",
           kRun, "output"),
      flag(&O::quiet, "quiet", "No progress and no summary on stderr (errors only)", kModel, "output"),
      choice(&O::log_level, "log_level", "error | warn | info (progress, summary) | debug (every retried request)",
             {"error", "warn", "info", "debug"}, kModel, "output"),
      // The in-process engine.
      integer(&O::threads, "threads",
              "gguf: CPU threads (0 = all cores; default 1: ggml's threads spin-wait for each other and collapse "
              "when another program holds a core, bench/threads_under_load.sh)",
              0, 4096, kModel, "gguf"),
      integer(&O::ctx, "ctx", "gguf: context size in tokens (0 = auto)", 0, 1 << 24, kModel, "gguf"),
      integer(&O::parallel, "parallel", "gguf: sequences in flight (0 = auto)", 0, 4096, kModel, "gguf"),
      integer(&O::batch, "batch", "gguf: tokens per decode call (0 = auto)", 0, 1 << 20, kModel, "gguf"),
      text(&O::chat_template, "chat_template", "gguf: template NAME or FILE (default: the model's)", kModel, "gguf"),
      flag(&O::reference_mode, "reference_mode", "gguf: one sequence at a time, no prefix sharing", kModel, "gguf"),
  };
}

// Numeric flags of single commands (command_option_table()); their defaults live in the commands.
std::vector<OptionSpec> make_command_table() {
  return {
      command_integer("items", "gower-quiz: items to draw", 1, 1e6, "quiz"),
      command_integer("candidates", "gower-quiz: candidates per item", 2, 26, "quiz"),
      command_integer("index", "prompt: grid index", 0, kMaxU63, "task"),
      command_integer("shards", "sweep: number of shards of --shard auto", 1, 1e6, "sweep"),
      {"top_p", OptionType::Number, "llm generate: nucleus sampling mass", nullptr, 0, {}, 0, 1, "sampling", {}, {}},
      command_integer("top_logprobs", "llm generate: alternatives per generated token", 0, 100, "sampling"),
      command_integer("flash_attn", "llm: -1 auto, 0 off, 1 on", -1, 1, "gguf"),
      command_integer("hamming", "simulate: counterfactual points differ from the reference in 1..N features", 1, 64,
                      "simulate"),
      command_integer("per_point",
                      "simulate: counterfactual points per reference point (at least 2: half are where the "
                      "model's answer changes)",
                      2, 1e6, "simulate"),
      {"shard",
       OptionType::Text,
       "simulate: I/N, the references k with k mod N == I; the last shard to finish merges them",
       nullptr,
       0,
       {},
       0,
       0,
       "simulate",
       {},
       {}},
      {"explanation",
       OptionType::Choice,
       "simulate: free (asked of the target) | sce (the run's SCE) | both",
       nullptr,
       0,
       {"free", "sce", "both"},
       0,
       0,
       "simulate",
       {},
       {}},
  };
}

std::string canonical(std::string_view name) {
  std::string s(name);
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

const OptionSpec* find_in(const std::vector<OptionSpec>& table, std::string_view name) {
  const std::string c = canonical(name);
  for (const auto& o : table)
    if (o.name == c) return &o;
  return nullptr;
}

std::string range_text(double x) { return x > 1e17 ? std::string("2^63") : fmt::format("{}", x); }

// Command-line text -> the JSON value its type wants (errors say what was expected).
json parse_text(const OptionSpec& o, const std::string& t, const std::string& at) {
  switch (o.type) {
    case OptionType::Flag:
      if (t == "true" || t == "1" || t.empty()) return true;
      if (t == "false" || t == "0") return false;
      throw Error(fmt::format("{}: expected true or false, got \"{}\"", at, t));
    case OptionType::Text:
    case OptionType::Choice:
      return t;
    case OptionType::Integer: {
      std::int64_t x = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
      if (ec == std::errc::result_out_of_range) throw Error(fmt::format("{}: \"{}\" is out of range", at, t));
      if (ec != std::errc() || p != t.data() + t.size())
        throw Error(fmt::format("{}: expected a whole number, got \"{}\"", at, t));
      return x;
    }
    case OptionType::Number: {
      double x = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
      if (ec != std::errc() || p != t.data() + t.size())
        throw Error(fmt::format("{}: expected a number, got \"{}\"", at, t));
      return x;
    }
  }
  return t;
}

}  // namespace

std::string OptionSpec::flag() const {
  std::string f = "--" + name;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

json OptionSpec::check(const json& v, const std::string& where) const {
  const std::string at = where.empty() ? flag() : where;
  auto bad = [&](std::string_view expected) {
    return Error(fmt::format("{}: expected {}, got {}", at, expected, v.dump()));
  };
  switch (type) {
    case OptionType::Flag:
      if (!v.is_boolean()) throw bad("true or false");
      return v;
    case OptionType::Text:
      if (!v.is_string()) throw bad("a string");
      return v;
    case OptionType::Choice:
      if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) == choices.end())
        throw bad(fmt::format("one of {}", fmt::join(choices, ", ")));
      return v;
    case OptionType::Integer: {
      if (!v.is_number_integer()) throw bad("a whole number");
      // Compare as double only after checking the sign: unsigned values beyond int64 stay unsigned.
      const double x = v.is_number_unsigned() ? static_cast<double>(v.get<std::uint64_t>())
                                              : static_cast<double>(v.get<std::int64_t>());
      if (x < min || x > max)
        throw Error(fmt::format("{}: {} is out of range ({} to {})", at, v.dump(), range_text(min), range_text(max)));
      return json(v.get<std::int64_t>());
    }
    case OptionType::Number: {
      if (!v.is_number()) throw bad("a number");
      const double x = v.get<double>();
      if (!std::isfinite(x) || x < min || x > max)
        throw Error(fmt::format("{}: {} is out of range ({} to {})", at, x, min, max));  // x: "nan", not null
      return json(x);
    }
  }
  return v;
}

json OptionSpec::parse(const std::string& text, const std::string& where) const {
  return check(parse_text(*this, text, where.empty() ? flag() : where), where);
}

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = make_table();
  return table;
}

const OptionSpec* find_option(std::string_view name) { return find_in(option_table(), name); }

const std::vector<OptionSpec>& command_option_table() {
  static const std::vector<OptionSpec> table = make_command_table();
  return table;
}

const OptionSpec& option_spec(std::string_view name) {
  if (const OptionSpec* o = find_option(name)) return *o;
  if (const OptionSpec* o = find_in(command_option_table(), name)) return *o;
  throw Error(fmt::format("internal: no option \"{}\"", name));
}

Options& Options::set(std::string_view name, const json& value, const std::string& where) {
  const OptionSpec* o = find_option(name);
  if (!o)
    throw Error(fmt::format("{}unknown option \"{}\" (the options are those of `sceval run`: {})",
                            where.empty() ? "" : where + ": ", name, "see `sceval run --help`"));
  if (value.is_null()) {  // null: back to the default
    o->write(*this, o->default_value);
    given_.erase(o->name);
    return *this;
  }
  o->write(*this, o->check(value, where));
  given_.insert(o->name);
  return *this;
}

Options& Options::set_text(std::string_view name, const std::string& t, const std::string& where) {
  const OptionSpec* o = find_option(name);
  if (!o) return set(name, t, where);  // the unknown-option error
  o->write(*this, o->parse(t, where));
  given_.insert(o->name);
  return *this;
}

Options& Options::update(const json& object, const std::string& where) {
  if (!object.is_object()) throw Error(fmt::format("{}: expected a JSON object of options", where));
  std::map<std::string, std::string> seen;  // canonical name -> the key that gave it
  for (const auto& [k, v] : object.items()) {
    const std::string at = where.empty() ? k : where + "." + k;
    // "max_tokens" and "max-tokens" are one option: both in one object would let one win silently.
    if (auto [it, fresh] = seen.emplace(canonical(k), k); !fresh)
      throw Error(fmt::format("{}: the same option as \"{}\" ('-' and '_' are alike); give it once", at, it->second));
    set(k, v, at);
  }
  return *this;
}

bool Options::has(std::string_view name) const { return given_.contains(canonical(name)); }

json Options::get(std::string_view name) const {
  if (const OptionSpec* o = find_option(name)) return o->read(*this);
  throw Error(fmt::format("internal: no option \"{}\"", name));
}

json Options::to_json(unsigned scope_bits) const {
  json out = json::object();
  for (const auto& o : option_table())
    if ((o.scope & scope_bits) && o.recorded()) out[o.name] = o.read(*this);
  return out;
}

json Options::given() const {
  json out = json::object();
  for (const auto& name : given_) out[name] = get(name);
  return out;
}

}  // namespace sceval
