#pragma once
// Options shared by several commands.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/error.h"
#include "grid/distance.h"
#include "task/task.h"

namespace sceval::cli {

// Summary cells: rates as percentages, other numbers to 4 places, null (NaN) as NA.
inline std::string format_rate(const nlohmann::json& x) {
  return x.is_null() ? "NA" : fmt::format("{:.2f}%", 100 * x.get<double>());
}
inline std::string format_value(const nlohmann::json& x) {
  return x.is_null() ? "NA" : fmt::format("{:.4f}", x.get<double>());
}

// --distance: the task's own distance unless given.
inline task::DistanceKind distance_or_task(const task::Task& t, const std::string& given) {
  if (given.empty()) return t.distance;
  if (auto d = task::distance_from_string(given)) return *d;
  throw Error("--distance: expected gower, l1_mad or l2_std, got \"" + given + "\"");
}

inline grid::Arithmetic arithmetic(const std::string& given) {
  if (auto a = grid::arithmetic_from_string(given)) return *a;
  throw Error("--mode: expected paper or exact, got \"" + given + "\"");
}

}  // namespace sceval::cli
