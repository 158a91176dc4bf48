#include "results/results_schema.h"

#include <fmt/format.h>

#include <cmath>

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
  void count(const json& v, const std::string& f) const {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) fail(f, fmt::format("expected a count >= 0, got {}", v.dump()));
  }
  // A metric: a finite number or null (NaN); optionally within [lo, hi].
  void metric(const json& v, const std::string& f, double lo = -INFINITY, double hi = INFINITY) const {
    if (v.is_null()) return;
    if (!v.is_number()) fail(f, fmt::format("expected a number or null, got {}", v.dump()));
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) fail(f, fmt::format("{} is outside [{}, {}]", v.dump(), lo, hi));
  }

 private:
  const std::string& source_;
};

void validate_mode(const Check& c, const json& m, const std::string& name) {
  c.object(m, name);
  for (const char* k : {"arithmetic", "distance"})
    if (m.contains(k)) c.string(m.at(k), name + "." + k);
  if (!m.contains("metrics")) return;  // nothing to render or compare, nothing wrong
  const json& metrics = m.at("metrics");
  const std::string mf = name + ".metrics";
  c.object(metrics, mf);
  for (const auto& [k, v] : metrics.items()) {
    const std::string f = mf + "." + k;
    if (k == "n") c.count(v, f);
    else if (k == "validity" || k == "exact_match") c.metric(v, f, 0, 1);
    else if (k == "mean_distance" || k == "mean_n_changed") c.metric(v, f, 0);
    else c.metric(v, f);
  }
  if (!metrics.contains("n") || !metrics.contains("validity")) c.fail(mf, "needs n and validity");
  if (m.contains("ci")) {
    const json& ci = m.at("ci");
    c.object(ci, name + ".ci");
    for (const auto& [k, v] : ci.items()) {
      const std::string f = name + ".ci." + k;
      if (!v.is_array() || v.size() != 2) c.fail(f, "expected [low, high]");
      c.metric(v[0], f + "[0]");
      c.metric(v[1], f + "[1]");
    }
  }
  if (m.contains("counts")) c.object(m.at("counts"), name + ".counts");
}

}  // namespace

void validate_results_json(const json& j, const std::string& source) {
  Check c(source);
  if (!j.is_object()) c.fail("(top level)", "expected an object (is this a sceval results.json?)");
  const json& version = c.member(j, "", "schema_version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != 1)
    c.fail("schema_version", fmt::format("{} (this sceval reads 1)", version.dump()));
  const json& task = c.member(j, "", "task");
  c.object(task, "task");
  c.string(c.member(task, "task", "name"), "task.name");
  const json& options = c.member(task, "task", "options");
  if (!options.is_array() || options.size() < 2) c.fail("task.options", "expected an array of at least 2 labels");
  for (std::size_t i = 0; i < options.size(); ++i) c.string(options[i], fmt::format("task.options[{}]", i));
  if (task.contains("grid_points")) c.count(task.at("grid_points"), "task.grid_points");
  if (j.contains("complete") && !j.at("complete").is_boolean()) c.fail("complete", "expected true or false");
  if (j.contains("decision_map")) {
    const json& dm = j.at("decision_map");
    c.object(dm, "decision_map");
    if (dm.contains("labels")) {
      c.object(dm.at("labels"), "decision_map.labels");
      for (const auto& [k, v] : dm.at("labels").items()) c.count(v, "decision_map.labels." + k);
    }
  }
  for (const char* mode : {"paper", "strict"}) validate_mode(c, c.member(j, "", mode), mode);
}

}  // namespace sceval::results
