// Task, Table and version(): the public handles over src/task, src/grid and src/common/csv.
#include "sceval/task.h"

#include <fmt/format.h>

#include "common/csv.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "grid/grid.h"
#include "sceval/version.h"
#include "task/registry.h"
#include "task/render.h"
#include "text/run.h"

namespace sceval {

const char* version() { return SCEVAL_VERSION; }

struct Task::Data {
  std::string spec;
  task::Task task;  // a text task's name, options and stop strings (what shared stages need)
  std::optional<grid::Grid> grid;
  std::optional<text::TextTask> text;
  Data(std::string s, task::Task t) : spec(std::move(s)), task(std::move(t)), grid(std::in_place, task) {}
  Data(std::string s, text::TextTask t) : spec(std::move(s)), task(text::shim(t)), text(std::move(t)) {}
  Data(const Data&) = delete;
};

Task Task::load(const std::string& name_or_path, const std::string& items) {
  Task t;
  const std::string path = task::resolve_task_path(name_or_path);
  // The file's "input" decides which kind of task it is; a grid task file is parsed as before.
  const auto j = parse_json_bounded(read_file_text(path, "task file"), path);
  if (text::is_text_task(j)) {
    t.d_ = std::make_shared<const Data>(name_or_path, text::parse_text_task(j, path, items));
    return t;
  }
  if (!items.empty()) throw Error(fmt::format("{}: items given for a task that is not a text task", path));
  t.d_ = std::make_shared<const Data>(name_or_path, task::load_task_file(path));
  return t;
}

Task Task::text(const std::string& task_json, const Table& items) {
  const auto j = parse_json_bounded(task_json, "text task");
  Task t;
  text::TextTask tt = text::parse_text_task_with_items(j, "text task", text::items_from_table(items));
  t.d_ = std::make_shared<const Data>(tt.name, std::move(tt));
  return t;
}

namespace {

// What a text task has no answer for: grid points.
void require_grid(const Task& t, const char* what) {
  if (t.is_text()) throw Error(fmt::format("task {} is a text task: it has no {} (see items())", t.name(), what));
}

}  // namespace

const std::string& Task::name() const { return d_->task.name; }
const std::string& Task::path() const { return d_->task.path; }
const std::string& Task::spec() const { return d_->spec; }
std::string Task::distance() const { return std::string(task::to_string(d_->task.distance)); }
std::vector<std::string> Task::options() const { return d_->task.options; }
std::uint64_t Task::size() const { return d_->text ? d_->text->items.size() : d_->grid->size(); }
bool Task::is_text() const { return d_->text.has_value(); }
const task::Task& Task::internal() const { return d_->task; }
const text::TextTask* Task::internal_text() const { return d_->text ? &*d_->text : nullptr; }
const grid::Grid& Task::internal_grid() const {
  require_grid(*this, "grid");
  return *d_->grid;
}

Table Task::items() const {
  if (!d_->text) throw Error(fmt::format("task {} is a grid task: it has no items (see grid())", name()));
  Table t{name() + " items", {"id", "text", "question", "label"}, {}};
  for (const auto& it : d_->text->items) t.rows.push_back({it.id, it.text, it.question, it.label});
  return t;
}

std::vector<Feature> Task::features() const {
  std::vector<Feature> out;
  for (const auto& f : d_->task.features) {
    Feature x{f.name, f.key, std::string(task::to_string(f.type)), {}};
    for (std::size_t p = 0; p < f.size(); ++p) x.values.push_back(f.text(p));
    out.push_back(std::move(x));
  }
  return out;
}

namespace {

void check_index(const grid::Grid& g, std::uint64_t index) {
  if (index >= g.size())
    throw Error(fmt::format("grid index {} is out of range (the grid has {} points)", index, g.size()));
}

}  // namespace

std::vector<std::string> Task::point(std::uint64_t index) const {
  require_grid(*this, "grid points");
  check_index(*d_->grid, index);
  std::vector<std::string> out;
  for (std::size_t j = 0; j < d_->grid->dims(); ++j) out.push_back(d_->grid->value_text(index, j));
  return out;
}

Table Task::grid() const {
  require_grid(*this, "grid");
  constexpr std::uint64_t kMaxRows = 10'000'000;
  if (size() > kMaxRows)
    throw Error(fmt::format("task {}: the grid has {} points; grid() lists at most {} (use point(i))", name(), size(),
                            kMaxRows));
  Table t{name() + " grid", {"index"}, {}};
  for (const auto& f : d_->task.features) t.columns.push_back(f.name);
  t.rows.reserve(size());
  for (std::uint64_t i = 0; i < size(); ++i) {
    std::vector<std::string> row = {std::to_string(i)};
    for (std::size_t j = 0; j < d_->grid->dims(); ++j) row.push_back(d_->grid->value_text(i, j));
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {

// A text task's item `index`: its prediction prompt, or the counterfactual request's chat.
Conversation text_messages(const text::TextTask& t, const std::string& name, std::uint64_t index,
                           const MessageOptions& o) {
  if (index >= t.items.size())
    throw Error(fmt::format("item index {} is out of range: task {} has {} items (0..{})", index, name, t.items.size(),
                            t.items.size() - 1));
  const text::Item& item = t.items[index];
  Conversation c;
  if (!o.followup) {
    c = text::prediction_messages(t, item, item.text);
  } else {
    const std::string complement = o.complement.value_or(t.options.front());
    if (!t.option_index(complement))
      throw Error(fmt::format("complement \"{}\" is not an option of task {} ({})", complement, name,
                              fmt::join(t.options, ", ")));
    // The default turn-1 reply: another option, in the answer format the prompt asks for.
    const std::string& other = complement == t.options.front() ? t.options[1] : t.options.front();
    const std::string reply =
        o.reply.value_or(t.format == text::AnswerFormat::Json ? nlohmann::json{{"answer", other}}.dump()
                                                              : t.answer_marker + " " + other);
    c = text::counterfactual_messages(t, item, reply, complement);
  }
  if (o.system) {
    if (!c.empty() && c.front().role == "system")
      c.front().content = *o.system;
    else
      c.insert(c.begin(), {"system", *o.system});
  }
  return c;
}

}  // namespace

Conversation Task::messages(std::uint64_t index, const MessageOptions& o) const {
  if (d_->text) return text_messages(*d_->text, name(), index, o);
  require_grid(*this, "grid points");
  check_index(*d_->grid, index);
  const auto rec = d_->grid->record(index);
  if (!o.followup) return task::turn1_messages(d_->task, rec, o.system);
  const auto& opts = d_->task.options;
  const std::string complement = o.complement.value_or(opts.front());
  if (!d_->task.option_index(complement))
    throw Error(
        fmt::format("complement \"{}\" is not an option of task {} ({})", complement, name(), fmt::join(opts, ", ")));
  std::string reply;
  if (o.reply) {
    reply = *o.reply;
  } else {  // the other option, in the answer format the prompt asks for
    const std::string& other = complement == opts.front() && opts.size() > 1 ? opts[1] : opts.front();
    reply = nlohmann::json{{d_->task.answer_key, other}}.dump();
  }
  return task::followup_messages(d_->task, rec, reply, complement, o.system);
}

std::vector<std::string> task_names() {
  std::vector<std::string> out;
  for (const auto& e : task::list_tasks()) out.push_back(e.name);
  return out;
}

}  // namespace sceval
