#pragma once
// Helpers shared by the parse module's tests (parse/text_test.cpp, parse/sce_test.cpp).
#include <limits>
#include <map>
#include <string>

#include "parse/parse.h"
#include "task/task.h"

namespace sceval::parse::testing {

inline Json J(const char* text) { return Json::parse(text); }

// The paper's task files, loaded once per test program.
inline const task::Task& paper_task(const std::string& name) {
  static std::map<std::string, task::Task> tasks;
  auto it = tasks.find(name);
  if (it == tasks.end())
    it = tasks.emplace(name, task::load_task_file(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/" + name + ".json"))
             .first;
  return it->second;
}
inline const task::Task& income() { return paper_task("income"); }
inline const task::Task& house() { return paper_task("house_prices"); }
inline const task::Task& heart() { return paper_task("heart_disease"); }

// Python's None where a test lists expected values.
constexpr double None = std::numeric_limits<double>::quiet_NaN();

}  // namespace sceval::parse::testing
