#pragma once
// `compare`'s check that two runs are of the same grid before their rows are paired: a run of
// another task or grid paired by (index, target) would give a difference that means nothing.
// Header-only so sceval_tests (which does not link the api library) can test it.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <string>

#include "common/error.h"

namespace sceval::api {

namespace same_grid_detail {

inline std::string names_of(const nlohmann::json& features) {
  std::string out;
  for (const auto& f : features) out += (out.empty() ? "" : ", ") + f.value("name", std::string("?"));
  return out;
}

// What differs between two results.json "task" objects (already schema-checked), or "".
inline std::string difference(const nlohmann::json& a, const nlohmann::json& b) {
  if (a["options"] != b["options"])
    return fmt::format("task.options: {} in A, {} in B", a["options"].dump(), b["options"].dump());
  if (!a.contains("features") || !b.contains("features"))
    return fmt::format("task.features: missing in {} (written by an older sceval? score that run again)",
                       a.contains("features") ? "B" : "A");
  const auto& fa = a["features"];
  const auto& fb = b["features"];
  if (fa.size() != fb.size())
    return fmt::format("task.features: {} ({}) in A, {} ({}) in B", names_of(fa), fa.size(), names_of(fb), fb.size());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    if (fa[i]["name"] != fb[i]["name"])
      return fmt::format("task.features[{}].name: {} in A, {} in B", i, fa[i]["name"].dump(), fb[i]["name"].dump());
    const auto& va = fa[i]["values"];
    const auto& vb = fb[i]["values"];
    if (va.size() != vb.size())
      return fmt::format("task.features[{}].values ({}): {} values in A, {} in B", i, fa[i]["name"].get<std::string>(),
                         va.size(), vb.size());
    for (std::size_t k = 0; k < va.size(); ++k)
      if (va[k] != vb[k])
        return fmt::format("task.features[{}].values[{}] ({}): {} in A, {} in B", i, k,
                           fa[i]["name"].get<std::string>(), va[k].dump(), vb[k].dump());
  }
  return "";
}

}  // namespace same_grid_detail

// Two runs are of the same grid when their results.json files list the same label options and the
// same features with the same values, in the same order (so grid point i and every target text mean
// the same in both). The task names may differ: a prompt paraphrase or a copied task file asks about
// the same grid. Throws sceval::Error naming both files and the first difference.
inline void check_same_grid(const nlohmann::json& a, const std::string& file_a, const nlohmann::json& b,
                            const std::string& file_b) {
  const std::string what = same_grid_detail::difference(a["task"], b["task"]);
  if (what.empty()) return;
  throw Error(
      fmt::format("the runs are not of the same grid: A {} (task {}), B {} (task {}): {}; compare pairs the "
                  "rows of two runs of one grid (the same options and features, values in the same order)",
                  file_a, a["task"]["name"].get<std::string>(), file_b, b["task"]["name"].get<std::string>(), what));
}

// Distances, RCF and exact matches of runs scored with different distances (gower, l1_mad, l2_std,
// or another arithmetic) measure different things: their difference would mean nothing. Compared
// where both results.json files say (top level, and the mode block compared).
inline void check_same_distance(const nlohmann::json& a, const std::string& file_a, const nlohmann::json& b,
                                const std::string& file_b, const std::string& mode) {
  auto differs = [](const nlohmann::json& x, const nlohmann::json& y, const char* key) {
    return x.is_object() && y.is_object() && x.contains(key) && y.contains(key) && x[key] != y[key];
  };
  const nlohmann::json* where[][2] = {{&a, &b},
                                      {a.contains(mode) ? &a[mode] : nullptr, b.contains(mode) ? &b[mode] : nullptr}};
  for (const auto& [x, y] : where) {
    if (x == nullptr || y == nullptr || !differs(*x, *y, "distance")) continue;
    throw Error(
        fmt::format("the runs were scored with different distances: A {} has {}, B {} has {}; compare pairs "
                    "distances, RCF and exact matches, which mean something else under each distance (score "
                    "both runs with one task file)",
                    file_a, (*x)["distance"].dump(), file_b, (*y)["distance"].dump()));
  }
}

// A run with no scores in `mode` (a lazy run has no paper mode: "available": false) would pair no
// rows and report nothing; say so, with the run's own reason.
inline void check_mode_available(const nlohmann::json& j, const std::string& file, const std::string& mode) {
  if (!j.contains(mode) || !j[mode].is_object() || j[mode].value("available", true)) return;
  const std::string reason = j[mode].contains("reason") && j[mode]["reason"].is_string()
                                 ? j[mode]["reason"].get<std::string>()
                                 : std::string("no reason given");
  const std::string other = mode == "paper" ? "strict" : "paper";
  throw Error(fmt::format("{}: the run has no {} mode scores ({}); compare the runs in {} mode (--mode {})", file, mode,
                          reason, other, other));
}

}  // namespace sceval::api
