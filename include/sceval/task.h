#pragma once
// Tasks: the classification question, its grid of records, its label options and prompts. Tasks
// are data (task files, docs/task-format.md); this handle loads them by name or path.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sceval/message.h"
#include "sceval/table.h"

namespace sceval {
namespace task {
struct Task;
}
namespace grid {
class Grid;
}
namespace text {
struct TextTask;
}
namespace api {
struct Access;  // the library's own way in (src/api/internal.h); not for consumers
}

struct Feature {
  std::string name;                 // CSV column name, e.g. AGEP
  std::string key;                  // JSON key in follow-up answers, e.g. age
  std::string type;                 // integer | ordinal | categorical (the task file's "type")
  std::vector<std::string> values;  // the axis's values as CSV files hold them, in grid order
};

struct MessageOptions {
  bool followup = false;                  // the follow-up conversation instead of turn 1
  std::optional<std::string> complement;  // follow-up: the requested label (default: the first option)
  std::optional<std::string>
      reply;  // follow-up: the turn-1 reply (default: the complement's opposite as {"answer": ...})
  std::optional<std::string> system;  // overrides the task's own system prompt
};

class Task {
 public:
  // A bundled task name, a name found in $SCEVAL_TASK_PATH, or a task file path. A file with
  // "input": "text" is a text task (docs/text.md); `items` (non-empty) replaces its items file.
  static Task load(const std::string& name_or_path, const std::string& items = "");
  // A text task from a task file's JSON text (its "items" key ignored) and a table of items
  // (columns id, text, optional question and label): e.g. a pandas DataFrame.
  static Task text(const std::string& task_json, const Table& items);

  const std::string& name() const;
  const std::string& path() const;
  const std::string& spec() const;  // the name or path it was loaded by (recorded in results.json)
  std::string distance() const;     // the distance the task's prompt promises: gower | l1_mad | l2_std
  std::vector<std::string> options() const;
  std::vector<Feature> features() const;
  std::uint64_t size() const;  // grid points; a text task's items
  bool is_text() const;        // a text task: items instead of a grid (point, grid, messages refuse)
  Table items() const;         // a text task's items: id, text, question, label
  // Feature value texts of grid point `index` (mixed radix, first feature slowest).
  std::vector<std::string> point(std::uint64_t index) const;
  Table grid() const;  // index + one column per feature; refuses grids over 10^7 points
  Conversation messages(std::uint64_t index, const MessageOptions& o = {}) const;

 private:
  friend struct api::Access;
  const task::Task& internal() const;
  const grid::Grid& internal_grid() const;
  const text::TextTask* internal_text() const;  // null for grid tasks
  struct Data;
  std::shared_ptr<const Data> d_;
};

// Names of the bundled tasks and those in $SCEVAL_TASK_PATH, sorted.
std::vector<std::string> task_names();

}  // namespace sceval
