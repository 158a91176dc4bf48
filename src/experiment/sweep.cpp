#include "experiment/sweep.h"

#include <fnmatch.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <set>

#include "common/csv.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "common/redact.h"
#include "common/warning.h"
#include "results/decision_map_csv.h"
#include "results/results_json.h"
#include "task/registry.h"

namespace sceval::experiment {

namespace fs = std::filesystem;

std::vector<Cell> cells(const std::vector<std::string>& aliases, const std::vector<TaskRef>& tasks) {
  std::vector<Cell> out;
  for (const auto& m : aliases)
    for (const auto& t : tasks) out.push_back({m, t});
  std::sort(out.begin(), out.end(), [](const Cell& a, const Cell& b) { return a.name() < b.name(); });
  return out;
}

std::string cell_dir(const std::string& sweep_output, const Cell& cell) {
  return output_path(sweep_output, cell.name()).string();
}

Shard parse_shard(const std::string& text) {
  auto slash = text.find('/');
  Shard s;
  auto num = [&](std::string_view part, std::size_t& x) {
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), x);
    return ec == std::errc() && p == part.data() + part.size() && !part.empty();
  };
  std::string_view t = text;
  if (slash == std::string::npos || !num(t.substr(0, slash), s.index) || !num(t.substr(slash + 1), s.count) ||
      s.count == 0 || s.index >= s.count)
    throw Error(fmt::format("--shard: expected I/N with 0 <= I < N (e.g. 0/2), got \"{}\"", text));
  return s;
}

namespace {

// dir holds a results.json (path_type: an unreadable path is an Error naming it).
bool has_results(const fs::path& dir) { return path_type(dir / "results.json") == fs::file_type::regular; }

// A non-negative integer from an environment variable; nullopt when unset.
std::optional<std::size_t> env_number(const EnvReader& env, const std::string& name) {
  auto v = env(name);
  if (!v) return std::nullopt;
  std::size_t x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size())
    throw Error(fmt::format("--shard auto: {}=\"{}\" is not a non-negative integer", name, *v));
  return x;
}

Shard checked(Shard s, const std::string& from) {
  if (s.count == 0 || s.index >= s.count)
    throw Error(
        fmt::format("--shard auto: {} gives shard {} of {} (expected 0 <= index < count)", from, s.index, s.count));
  return s;
}

}  // namespace

Shard shard_from_environment(std::optional<std::size_t> shards, const EnvReader& reader) {
  const EnvReader env = reader ? reader : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  if (auto id = env_number(env, "SLURM_ARRAY_TASK_ID")) {
    const std::size_t min = env_number(env, "SLURM_ARRAY_TASK_MIN").value_or(0);
    const std::size_t step = std::max<std::size_t>(1, env_number(env, "SLURM_ARRAY_TASK_STEP").value_or(1));
    if (*id < min || (*id - min) % step)
      throw Error(fmt::format("--shard auto: SLURM_ARRAY_TASK_ID={} is not MIN {} + k * STEP {}", *id, min, step));
    Shard s{(*id - min) / step, 0};
    if (auto count = env_number(env, "SLURM_ARRAY_TASK_COUNT"))
      s.count = *count;
    else if (auto max = env_number(env, "SLURM_ARRAY_TASK_MAX"); max && *max >= min)
      s.count = (*max - min) / step + 1;
    else if (shards)
      s.count = *shards;
    else
      throw Error(
          "--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX "
          "(submit with sbatch --array=0-N), and no --shards N");
    if (shards && *shards != s.count)
      throw Error(fmt::format("--shard auto: --shards {} but the Slurm array has {} tasks", *shards, s.count));
    return checked(s, "the Slurm array");
  }
  if (auto index = env_number(env, "JOB_COMPLETION_INDEX")) {
    auto count = shards ? shards : env_number(env, "SCEVAL_SHARDS");
    if (!count)
      throw Error(
          "--shard auto: JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job) but the number of shards is not: "
          "pass --shards N (the Job's completions) or set SCEVAL_SHARDS");
    return checked(Shard{*index, *count}, "JOB_COMPLETION_INDEX");
  }
  throw Error(
      "--shard auto: no array task in the environment: expected SLURM_ARRAY_TASK_ID (sbatch --array) or "
      "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); or give --shard I/N");
}

Shard resolve_shard(const std::string& text, std::optional<std::size_t> shards, const EnvReader& env) {
  if (text == "auto") return shard_from_environment(shards, env);
  Shard s = parse_shard(text);
  if (shards && *shards != s.count) throw Error(fmt::format("--shards {} disagrees with --shard {}", *shards, text));
  return s;
}

std::vector<Cell> shard_cells(const std::vector<Cell>& all, Shard shard) {
  std::vector<Cell> out;
  for (std::size_t k = shard.index; k < all.size(); k += shard.count) out.push_back(all[k]);
  return out;
}

bool cell_finished(const std::string& dir, const nlohmann::json& settings, const std::string& model) {
  const std::string path = dir + "/results.json";
  if (!has_results(dir)) return false;
  nlohmann::json r;
  try {
    r = results::read_results_json(path);
  } catch (const Error&) {
    return false;  // a partly written file: run the cell again (answers come from the cache)
  }
  if (!r.contains("settings") || !r["settings"].is_object()) return false;
  nlohmann::json recorded = r["settings"];
  if (r.value("protocol", "") == "text") recorded.erase("min_length");  // the task's, recorded beside the options
  return r.value("complete", false) && recorded == settings && r.contains("model") && r["model"].is_object() &&
         r["model"].value("spec", "") == model;
}

namespace {

// A task's name. A text task (docs/text.md, "input": "text") is not a grid task file: its name is
// read from its JSON here (src/text parses the rest when the cell runs) rather than the grid loader.
std::string task_name(const std::string& spec) {
  const std::string path = task::resolve_task_path(spec);
  const auto j = parse_json_bounded(read_file_text(path, "task file"), path);
  if (j.is_object() && j.value("input", "") == "text") {
    const auto name = j.find("name");
    return name != j.end() && name->is_string() ? name->get<std::string>() : fs::path(path).stem().string();
  }
  return task::resolve_task(spec).name;  // throws naming the task when unknown
}

}  // namespace

std::vector<TaskRef> expand_tasks(const std::vector<std::string>& patterns, const std::string& where) {
  const auto registry = task::list_tasks();
  std::vector<TaskRef> out;
  std::set<std::string> seen;
  auto add = [&](TaskRef t) {
    if (!seen.insert(t.name).second) throw Error(fmt::format("{}: task \"{}\" is listed twice", where, t.name));
    out.push_back(std::move(t));
  };
  for (const auto& p : patterns) {
    if (p.find_first_of("*?[") != std::string::npos) {
      std::size_t matched = 0;
      for (const auto& e : registry)
        if (fnmatch(p.c_str(), e.name.c_str(), 0) == 0) add({e.name, e.name}), ++matched;
      if (!matched) throw Error(fmt::format("{}: no task matches \"{}\" (see `sceval tasks -l`)", where, p));
    } else {
      add({p, task_name(p)});
    }
  }
  return out;
}

namespace {

const char* const kColumns[] = {"cell",
                                "model",
                                "task",
                                "spec",
                                "grid_points",
                                "na_points",
                                "sces",
                                "strict_n",
                                "strict_validity",
                                "strict_validity_lo",
                                "strict_validity_hi",
                                "strict_mean_rcf_a",
                                "strict_mean_rcf_a_lo",
                                "strict_mean_rcf_a_hi",
                                "strict_exact_match",
                                "strict_tm",
                                "paper_n",
                                "paper_validity",
                                "paper_mean_rcf_a",
                                "paper_exact_match",
                                "paper_tm",
                                "random_valid_mean_rcf_a",
                                "one_step_validity"};
// Text runs (docs/text.md): filled for text cells, as the columns above are for grid cells.
const char* const kTextColumns[] = {"text_rows",
                                    "text_generation_rate",
                                    "text_validity",
                                    "text_validity_lo",
                                    "text_validity_hi",
                                    "text_validity_with_history",
                                    "text_mean_levenshtein_normalized",
                                    "text_mean_excess"};
constexpr std::size_t kFirstText = std::size(kColumns);

std::string num(const nlohmann::json& x) {
  if (x.is_null()) return "";
  if (x.is_number_integer()) return std::to_string(x.get<std::int64_t>());
  return results::format_number(x.get<double>());
}

// One summary row. Any part may be missing (a lazy run has no paper metrics, no baselines; a run
// without bootstrap no CIs): its cells stay empty. r has passed the results.json schema.
std::vector<std::string> summary_row(const std::string& cell, const nlohmann::json& r) {
  auto at = [&r](const std::string& pointer) {
    const nlohmann::json::json_pointer p(pointer);
    return r.contains(p) ? num(r[p]) : std::string();
  };
  return {cell, cell.substr(0, cell.find("__")), r["task"].value("name", ""),
          // masked again: a cell's results.json may come from elsewhere (a copied or edited cell)
          r.contains("/model/spec"_json_pointer)
              ? without_url_credentials(r["/model/spec"_json_pointer].get<std::string>())
              : "",
          at("/task/grid_points"), at("/decision_map/labels/NA"), at("/strict/counts/total"), at("/strict/metrics/n"),
          at("/strict/metrics/validity"), at("/strict/ci/validity/0"), at("/strict/ci/validity/1"),
          at("/strict/metrics/mean_rcf_a"), at("/strict/ci/mean_rcf_a/0"), at("/strict/ci/mean_rcf_a/1"),
          at("/strict/metrics/exact_match"), at("/strict/metrics/tm"), at("/paper/metrics/n"),
          at("/paper/metrics/validity"), at("/paper/metrics/mean_rcf_a"), at("/paper/metrics/exact_match"),
          at("/paper/metrics/tm"), at("/baselines/random_valid/strict/metrics/mean_rcf_a"),
          at("/baselines/one_step/strict/metrics/validity")};
}

// A text cell's metrics (results.json "text"), in kTextColumns order; empty for a grid cell.
std::vector<std::string> text_cells(const nlohmann::json& r) {
  std::vector<std::string> out;
  for (const char* p :
       {"/text/metrics/n", "/text/metrics/generation_rate", "/text/metrics/validity", "/text/metrics/ci/validity/0",
        "/text/metrics/ci/validity/1", "/text/metrics/validity_with_history",
        "/text/metrics/mean_levenshtein_normalized", "/text/metrics/mean_excess"}) {
    const nlohmann::json::json_pointer at(p);
    out.push_back(r.contains(at) ? num(r[at]) : std::string());
  }
  return out;
}

std::string pct(const std::string& x) { return x.empty() ? "NA" : fmt::format("{:.1f}%", 100 * std::stod(x)); }
std::string dec(const std::string& x) { return x.empty() ? "NA" : fmt::format("{:.4f}", std::stod(x)); }

void write_markdown(const std::string& path, const std::vector<std::vector<std::string>>& all) {
  std::vector<std::vector<std::string>> rows, text;  // grid cells, text cells (docs/text.md)
  for (const auto& c : all) (c[kFirstText].empty() ? rows : text).push_back(c);
  std::ostringstream out;
  if (!rows.empty() || text.empty())
    out << "| model | task | N (strict) | validity | 95% CI | mean RCF_A | exact match | TM | paper N | paper "
           "validity | paper mean RCF_A | random-valid RCF_A | one-step validity |\n"
        << "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const auto& c : rows)
    out << fmt::format("| {} | {} | {} | {} | [{}, {}] | {} | {} | {} | {} | {} | {} | {} | {} |\n", c[1], c[2], c[7],
                       pct(c[8]), pct(c[9]), pct(c[10]), dec(c[11]), pct(c[14]), dec(c[15]), c[16], pct(c[17]),
                       dec(c[18]), dec(c[21]), pct(c[22]));
  if (!text.empty())
    out << (rows.empty() ? "" : "\n")
        << "| model | task (text) | rows | generation rate | validity | 95% CI | validity with history | mean "
           "norm. Levenshtein | mean excess |\n"
        << "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |\n";
  for (const auto& c : text) {
    const auto* t = &c[kFirstText];
    out << fmt::format("| {} | {} | {} | {} | {} | [{}, {}] | {} | {} | {} |\n", c[1], c[2], t[0], pct(t[1]), pct(t[2]),
                       pct(t[3]), pct(t[4]), pct(t[5]), dec(t[6]), dec(t[7]));
  }
  write_file_atomic(path, out.str());
}

}  // namespace

std::size_t write_summary(const std::string& sweep_dir) {
  std::vector<std::string> dirs;
  std::error_code ec;
  auto it = fs::directory_iterator(sweep_dir, ec);
  if (ec) throw_fs_error(sweep_dir, "list the sweep folder", ec);
  for (const auto& e : it)
    if (has_results(e.path())) dirs.push_back(e.path().filename().string());
  std::sort(dirs.begin(), dirs.end());
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : dirs) {
    nlohmann::json r;
    try {
      r = results::read_results_json(sweep_dir + "/" + d + "/results.json");
    } catch (const Error& e) {
      // Being written by another shard (not finished), or damaged: say which, and go on.
      warn(fmt::format("{} (cell left out of the summary)", e.what()));
      continue;
    }
    if (!r.value("complete", false)) continue;
    rows.push_back(summary_row(d, r));
    for (auto& cell : text_cells(r)) rows.back().push_back(std::move(cell));
  }
  std::vector<std::string> header(std::begin(kColumns), std::end(kColumns));
  header.insert(header.end(), std::begin(kTextColumns), std::end(kTextColumns));
  csv::write_file(sweep_dir + "/summary.csv", header, rows);
  write_markdown(sweep_dir + "/summary.md", rows);
  return rows.size();
}

}  // namespace sceval::experiment
