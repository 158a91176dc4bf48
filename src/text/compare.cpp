#include "text/compare.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "metrics/numpy_compat.h"
#include "results/results_json.h"
#include "text/sces_csv.h"

namespace sceval::text {
namespace {

using Value = std::optional<double> (*)(const SceRecord&);

std::optional<double> rate_of(std::optional<bool> b) {
  return b ? std::optional<double>(*b ? 1.0 : 0.0) : std::nullopt;
}

// The same definitions as results.json "text.metrics" (audit.cpp): a row counts for a metric only
// where the metric is defined (validity: generated with a usable answer; excess: searched, not
// censored), so a pair counts only where it is defined in both runs.
const std::vector<std::pair<std::string, Value>>& metric_values() {
  static const std::vector<std::pair<std::string, Value>> m = {
      {"generation_rate", [](const SceRecord& r) { return std::optional<double>(r.generated ? 1.0 : 0.0); }},
      {"validity", [](const SceRecord& r) { return rate_of(r.valid); }},
      {"validity_with_history", [](const SceRecord& r) { return rate_of(r.valid_with_history); }},
      {"mean_levenshtein_normalized",
       [](const SceRecord& r) { return r.generated ? r.levenshtein_normalized : std::nullopt; }},
      {"mean_excess", [](const SceRecord& r) { return r.excess; }},
  };
  return m;
}

struct Pair {
  const SceRecord *a, *b;
};

struct Means {
  double a = std::nan(""), b = std::nan("");
  std::size_t n = 0;
  double difference() const { return b - a; }
};

Means means(const std::vector<const Pair*>& pairs, Value of) {
  double sa = 0, sb = 0;
  Means m;
  for (const auto* p : pairs) {
    const auto x = of(*p->a), y = of(*p->b);
    if (!x || !y) continue;
    sa += *x, sb += *y, ++m.n;
  }
  if (m.n) m.a = sa / static_cast<double>(m.n), m.b = sb / static_cast<double>(m.n);
  return m;
}

std::string where(const std::string& dir) { return dir + "/sces.csv"; }

// Rows keyed by (item id, target); a run with the same key twice is not a run sceval wrote.
std::map<std::pair<std::string, std::string>, SceRecord> keyed(const std::string& dir) {
  std::map<std::pair<std::string, std::string>, SceRecord> out;
  for (auto& r : read_sce_records(where(dir))) {
    auto key = std::pair{r.id, r.target};
    if (!out.emplace(key, std::move(r)).second)
      throw Error(fmt::format("{}: item \"{}\" has two rows for target \"{}\"", where(dir), key.first, key.second));
  }
  return out;
}

// Percentile bootstrap of each metric's difference, resampling items: an item's pairs (one per
// requested label) are drawn together, as results.json's CIs do within a run.
std::map<std::string, std::pair<double, double>> bootstrap(
    const std::map<std::string, std::vector<const Pair*>>& by_item, const metrics::BootstrapSettings& bs) {
  std::vector<const std::vector<const Pair*>*> items;
  for (const auto& entry : by_item) items.push_back(&entry.second);
  const auto& ms = metric_values();
  std::vector<std::vector<double>> draws(ms.size());
  std::mt19937_64 rng(bs.seed);
  for (int r = 0; r < bs.resamples && !items.empty(); ++r) {
    std::vector<const Pair*> sample;
    std::uniform_int_distribution<std::size_t> pick(0, items.size() - 1);
    for (std::size_t k = 0; k < items.size(); ++k) {
      const auto* item = items[pick(rng)];
      sample.insert(sample.end(), item->begin(), item->end());
    }
    for (std::size_t k = 0; k < ms.size(); ++k)
      if (const Means m = means(sample, ms[k].second); m.n) draws[k].push_back(m.difference());
  }
  std::map<std::string, std::pair<double, double>> out;
  const double lo = 100 * (1 - bs.level) / 2;
  for (std::size_t k = 0; k < ms.size(); ++k)  // NaN (null) when no resample had a pair
    out[ms[k].first] = {metrics::numpy::percentile(draws[k], lo), metrics::numpy::percentile(draws[k], 100 - lo)};
  return out;
}

// A split file's list of ids ("train" or "heldout"), each a string.
std::set<std::string> id_list(const nlohmann::json& j, const std::string& file, const std::string& part) {
  const auto it = j.find(part);
  if (it == j.end() || !it->is_array())
    throw Error(fmt::format("{}: field \"{}\": expected a list of item ids", file, part));
  std::set<std::string> out;
  for (const auto& id : *it) {
    if (!id.is_string()) throw Error(fmt::format("{}: field \"{}\": expected item ids (strings)", file, part));
    out.insert(id.get<std::string>());
  }
  return out;
}

std::string items_file(const nlohmann::json& task) {
  return std::filesystem::path(task.value("items_path", "")).filename().string();
}

}  // namespace

void check_same_text_task(const nlohmann::json& a, const std::string& where_a, const nlohmann::json& b,
                          const std::string& where_b) {
  const nlohmann::json ta = a.value("task", nlohmann::json::object()), tb = b.value("task", nlohmann::json::object());
  auto refuse = [&](const std::string& what, const std::string& va, const std::string& vb) {
    throw Error(fmt::format("compare: the runs are not of one text task: {} {} is {}, {} {} is {}", where_a, what, va,
                            where_b, what, vb));
  };
  for (const char* key : {"name", "options", "items"})
    if (ta.value(key, nlohmann::json()) != tb.value(key, nlohmann::json()))
      refuse(fmt::format("task.{}", key), ta.value(key, nlohmann::json()).dump(),
             tb.value(key, nlohmann::json()).dump());
  if (items_file(ta) != items_file(tb)) refuse("items file", items_file(ta), items_file(tb));
}

std::set<std::string> read_item_selection(const std::string& spec, const std::string& task_name) {
  const auto colon = spec.rfind(':');
  const std::string part = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (part != "heldout" && part != "train")
    throw Error(fmt::format("points \"{}\": expected SPLIT.json:heldout or SPLIT.json:train", spec));
  const std::string file = spec.substr(0, colon);
  const nlohmann::json j = parse_json_bounded(read_file_text(file, "split file"), file);
  if (!j.is_object() || j.value("kind", "") != "split")
    throw Error(fmt::format("{}: not a split file (export-training --split-out writes one)", file));
  if (!j.contains("items"))
    throw Error(fmt::format("{}: a split of grid points, not of a text task's items (no field \"items\")", file));
  if (j.value("task", "") != task_name)
    throw Error(fmt::format("{}: field \"task\": the split was made for task {}, but these runs are task {}", file,
                            j.value("task", ""), task_name));
  return id_list(j, file, part);
}

nlohmann::json compare_runs(const std::string& dir_a, const nlohmann::json& results_a, const std::string& dir_b,
                            const metrics::BootstrapSettings& bs, const std::string& points) {
  auto ra = keyed(dir_a), rb = keyed(dir_b);
  if (!points.empty()) {  // only the selected items' rows, in both runs
    const auto ids = read_item_selection(points, results_a["task"].value("name", ""));
    for (auto* rows : {&ra, &rb}) std::erase_if(*rows, [&](const auto& row) { return !ids.contains(row.first.first); });
  }
  std::vector<Pair> pairs;
  std::size_t only_a = 0;
  for (const auto& [key, row] : ra) {
    if (auto it = rb.find(key); it != rb.end())
      pairs.push_back({&row, &it->second});
    else
      ++only_a;
  }
  std::map<std::string, std::vector<const Pair*>> by_item;
  std::vector<const Pair*> all;
  for (const auto& p : pairs) by_item[p.a->id].push_back(&p), all.push_back(&p);
  nlohmann::json out = {{"protocol", "text"},
                        {"a", dir_a},
                        {"b", dir_b},
                        {"task", results_a["task"].value("name", "")},
                        {"pairs", pairs.size()},
                        {"items", by_item.size()},
                        {"only_in_a", only_a},
                        {"only_in_b", rb.size() - pairs.size()},
                        {"points", points.empty() ? nlohmann::json() : nlohmann::json(points)},
                        {"bootstrap", {{"resamples", bs.resamples}, {"seed", bs.seed}, {"unit", "item"}}}};
  for (const auto& [key, of] : metric_values()) {
    const Means m = means(all, of);
    out["difference"][key] = results::number_or_null(m.difference());
    out["n"][key] = m.n;
    out["values"]["a"][key] = results::number_or_null(m.a);
    out["values"]["b"][key] = results::number_or_null(m.b);
  }
  for (const auto& [key, ci] : bootstrap(by_item, bs))
    out["ci"][key] = {results::number_or_null(ci.first), results::number_or_null(ci.second)};
  return out;
}

}  // namespace sceval::text
