#include "results/results_schema.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "common/error.h"

namespace sceval::results {
namespace {

using json = nlohmann::json;

// Field checks that name the field path in their message.
class Check {
 public:
  explicit Check(const std::string& source) : source_(source) {}
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(fmt::format("{}: {}: {}", source_, field, what));
  }
  const json& member(const json& obj, const std::string& parent, const char* key) const {
    const std::string f = parent.empty() ? key : parent + "." + key;
    if (!obj.contains(key)) fail(f, "missing");
    return obj.at(key);
  }
  void object(const json& v, const std::string& f) const {
    if (!v.is_object()) fail(f, fmt::format("expected an object, got {}", v.type_name()));
  }
  void string(const json& v, const std::string& f) const {
    if (!v.is_string()) fail(f, fmt::format("expected a string, got {}", v.type_name()));
  }
  void boolean(const json& v, const std::string& f) const {
    if (!v.is_boolean()) fail(f, "expected true or false");
  }
  void count(const json& v, const std::string& f) const {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      fail(f, fmt::format("expected a count >= 0, got {}", v.dump()));
  }
  // A number of grid points: 0 to 2^64 - 1 (a lazy run's grid may be larger than an int64).
  void grid_size(const json& v, const std::string& f) const {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
      fail(f, fmt::format("expected a number of grid points >= 0, got {}", v.dump()));
  }
  // A metric: a finite number or null (NaN); optionally within [lo, hi].
  void metric(const json& v, const std::string& f, double lo = -INFINITY, double hi = INFINITY) const {
    if (v.is_null()) return;
    if (!v.is_number()) fail(f, fmt::format("expected a number or null, got {}", v.dump()));
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) fail(f, fmt::format("{} is outside [{}, {}]", v.dump(), lo, hi));
  }
  // obj.key checked by `check` when obj has it.
  template <class F>
  void optional(const json& obj, const std::string& parent, const char* key, F check) const {
    if (obj.contains(key)) check(obj.at(key), parent.empty() ? std::string(key) : parent + "." + key);
  }
  void strings(const json& v, const std::string& f) const {
    if (!v.is_array()) fail(f, fmt::format("expected an array of strings, got {}", v.type_name()));
    for (std::size_t i = 0; i < v.size(); ++i) string(v[i], fmt::format("{}[{}]", f, i));
  }

 private:
  const std::string& source_;
};

// The metrics that compare and the sweep summary read without looking first (README "results.json").
constexpr const char* kReadMetrics[] = {"n", "validity", "mean_rcf_a", "exact_match", "tm"};

// Where a metric, or a bound of its CI, may lie: rates are fractions, distances and edits not negative.
std::pair<double, double> metric_range(const std::string& key) {
  if (key == "validity" || key == "exact_match") return {0, 1};
  if (key == "mean_distance" || key == "mean_n_changed") return {0, INFINITY};
  return {-INFINITY, INFINITY};
}

void validate_ci(const Check& c, const json& ci, const std::string& f) {
  c.object(ci, f);
  for (const auto& [k, v] : ci.items()) {
    const std::string fk = f + "." + k;
    if (!v.is_array() || v.size() != 2) c.fail(fk, "expected [low, high]");
    const auto [lo, hi] = metric_range(k);
    c.metric(v[0], fk + "[0]", lo, hi);
    c.metric(v[1], fk + "[1]", lo, hi);
    if (v[0].is_number() && v[1].is_number() && v[0].get<double>() > v[1].get<double>())
      c.fail(fk, fmt::format("low {} is above high {}", v[0].dump(), v[1].dump()));
  }
}

// counts: total, kept, dropped, valid, invalid, and counts by status and by drop reason.
void validate_counts(const Check& c, const json& counts, const std::string& f) {
  c.object(counts, f);
  for (const char* k : {"total", "kept", "dropped", "valid", "invalid"})
    c.optional(counts, f, k, [&](const json& v, const std::string& fk) { c.count(v, fk); });
  for (const char* k : {"by_status", "dropped_by_reason"})
    c.optional(counts, f, k, [&](const json& v, const std::string& fk) {
      c.object(v, fk);
      for (const auto& [name, n] : v.items()) c.count(n, fk + "." + name);
    });
}

// A mode block (paper, strict, or a baseline's). Without metrics it has nothing to show (a lazy
// run's paper mode: available false and a reason), unless the reader needs them (baselines).
void validate_mode(const Check& c, const json& m, const std::string& name, bool needs_metrics = false) {
  c.object(m, name);
  for (const char* k : {"arithmetic", "distance", "reason"})
    c.optional(m, name, k, [&](const json& v, const std::string& f) { c.string(v, f); });
  c.optional(m, name, "available", [&](const json& v, const std::string& f) { c.boolean(v, f); });
  if (!needs_metrics && !m.contains("metrics")) return;
  const json& metrics = c.member(m, name, "metrics");
  const std::string mf = name + ".metrics";
  c.object(metrics, mf);
  for (const auto& [k, v] : metrics.items()) {
    const auto [lo, hi] = metric_range(k);
    if (k == "n")
      c.count(v, mf + "." + k);
    else
      c.metric(v, mf + "." + k, lo, hi);
  }
  for (const char* k : kReadMetrics)
    if (!metrics.contains(k)) c.fail(mf, fmt::format("needs {} (missing {})", fmt::join(kReadMetrics, ", "), k));
  c.optional(m, name, "ci", [&](const json& v, const std::string& f) { validate_ci(c, v, f); });
  c.optional(m, name, "counts", [&](const json& v, const std::string& f) { validate_counts(c, v, f); });
}

// One object per baseline, each with both modes (compare reads either); a run without baselines
// (lazy) says "available": false and why.
void validate_baselines(const Check& c, const json& b, const std::string& f) {
  c.object(b, f);
  for (const auto& [name, v] : b.items()) {
    const std::string fb = f + "." + name;
    if (name == "available")
      c.boolean(v, fb);
    else if (name == "reason")
      c.string(v, fb);
    else {
      c.object(v, fb);
      for (const char* mode : {"paper", "strict"}) validate_mode(c, c.member(v, fb, mode), fb + "." + mode, true);
    }
  }
}

// task.grid_points against the product of the features' value counts, without overflow: a lazy
// run's grid may have up to 2^64 - 1 points, and a larger product cannot equal it.
void check_grid_points(const Check& c, std::uint64_t grid_points, const json& features) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t product = 1;
  bool over = false;  // the product exceeds 2^64 - 1
  for (const auto& f : features) {
    const std::uint64_t n = f["values"].size();  // >= 1, checked before
    over = over || product > kMax / n;
    if (!over) product *= n;
  }
  if (over || product != grid_points)
    c.fail("task.grid_points",
           fmt::format("{}, but task.features span a grid of {} points (the product of their value "
                       "counts; files of different runs, or an edited file?)",
                       grid_points, over ? "more than " + std::to_string(kMax) : std::to_string(product)));
}

void validate_task(const Check& c, const json& task) {
  c.object(task, "task");
  c.string(c.member(task, "task", "name"), "task.name");
  c.optional(task, "task", "path", [&](const json& v, const std::string& f) { c.string(v, f); });
  const json& options = c.member(task, "task", "options");
  if (!options.is_array() || options.size() < 2) c.fail("task.options", "expected an array of at least 2 labels");
  c.strings(options, "task.options");
  c.optional(task, "task", "grid_points", [&](const json& v, const std::string& f) { c.grid_size(v, f); });
  // Each feature's name and values in grid order (what the run writes): a grid has at least one
  // feature, each with at least one value, and grid_points is the product of their value counts.
  c.optional(task, "task", "features", [&](const json& v, const std::string& f) {
    if (!v.is_array() || v.empty()) c.fail(f, fmt::format("expected a non-empty array of features, got {}", v.dump()));
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string fi = fmt::format("{}[{}]", f, i);
      c.object(v[i], fi);
      c.string(c.member(v[i], fi, "name"), fi + ".name");
      const json& values = c.member(v[i], fi, "values");
      c.strings(values, fi + ".values");
      if (values.empty()) c.fail(fi + ".values", "expected at least one value");
    }
    if (task.contains("grid_points")) check_grid_points(c, task["grid_points"].get<std::uint64_t>(), v);
  });
}

void validate_decision_map(const Check& c, const json& dm, const std::string& f) {
  c.object(dm, f);
  c.optional(dm, f, "mode", [&](const json& v, const std::string& fm) { c.string(v, fm); });
  c.optional(dm, f, "grid_points", [&](const json& v, const std::string& fg) { c.grid_size(v, fg); });
  c.optional(dm, f, "labels", [&](const json& v, const std::string& fl) {
    c.object(v, fl);
    for (const auto& [k, n] : v.items()) c.count(n, fl + "." + k);
  });
}

}  // namespace

void validate_results_json(const json& j, const std::string& source) {
  Check c(source);
  if (!j.is_object()) c.fail("(top level)", "expected an object (is this a sceval results.json?)");
  const json& version = c.member(j, "", "schema_version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != 1)
    c.fail("schema_version", fmt::format("{} (this sceval reads 1)", version.dump()));
  if (j.contains("protocol") && j["protocol"] == "text") {  // a text audit (docs/text.md): no grid, no modes
    const json& task = c.member(j, "", "task");
    c.object(task, "task");
    c.string(c.member(task, "task", "name"), "task.name");
    c.object(c.member(j, "", "text"), "text");
    return;
  }
  validate_task(c, c.member(j, "", "task"));
  c.optional(j, "", "distance", [&](const json& v, const std::string& f) { c.string(v, f); });
  c.optional(j, "", "complete", [&](const json& v, const std::string& f) { c.boolean(v, f); });
  c.optional(j, "", "decision_map", [&](const json& v, const std::string& f) {
    validate_decision_map(c, v, f);
    const json& task = j["task"];
    if (v.contains("grid_points") && task.contains("grid_points") && v["grid_points"] != task["grid_points"])
      c.fail("decision_map.grid_points",
             fmt::format("{}, but task.grid_points is {}", v["grid_points"].dump(), task["grid_points"].dump()));
  });
  for (const char* mode : {"paper", "strict"}) validate_mode(c, c.member(j, "", mode), mode);
  c.optional(j, "", "baselines", [&](const json& v, const std::string& f) { validate_baselines(c, v, f); });
  // model: null when a library caller gave no model info; else the spec (secrets removed) and identity.
  c.optional(j, "", "model", [&](const json& v, const std::string& f) {
    if (v.is_null()) return;
    c.object(v, f);
    for (const char* k : {"spec", "identity"})
      c.optional(v, f, k, [&](const json& s, const std::string& fs) { c.string(s, fs); });
  });
  c.optional(j, "", "requests", [&](const json& v, const std::string& f) {
    c.object(v, f);
    for (const char* k : {"total", "failed", "live_checks"})
      c.optional(v, f, k, [&](const json& n, const std::string& fn) { c.count(n, fn); });
  });
}

}  // namespace sceval::results
