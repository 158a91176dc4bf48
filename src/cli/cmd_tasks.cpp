// `sceval tasks` and `sceval prompt`.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "common/error.h"
#include "grid/grid.h"
#include "task/registry.h"
#include "task/render.h"

namespace sceval::cli {
namespace {

struct PromptArgs {
  std::string task;
  grid::Index index = 0;
  bool json = false, followup = false;
  std::string complement, reply, system;
  bool has_system = false;
};

void run_prompt(const PromptArgs& a) {
  task::Task t = task::resolve_task(a.task);
  grid::Grid g(t);
  if (a.index >= g.size())
    throw Error(fmt::format("--index {} is outside the grid of task {} (0..{})", a.index, t.name, g.size() - 1));
  auto rec = g.record(a.index);
  std::optional<std::string> system;
  if (a.has_system) system = a.system;
  if (a.followup) {
    if (!t.option_index(a.complement))
      throw Error(fmt::format("--complement \"{}\" is not an option of task {}", a.complement, t.name));
    auto conv = task::followup_messages(t, rec, a.reply, a.complement, system);
    if (a.json) fmt::print("{}\n", to_json(conv).dump(2));
    else fmt::print("{}", task::followup_prompt(t, a.complement));
    return;
  }
  if (a.json) fmt::print("{}\n", to_json(task::turn1_messages(t, rec, system)).dump(2));
  else fmt::print("{}", task::turn1_prompt(t, rec));
}

}  // namespace

void add_task_commands(CLI::App& app) {
  auto* tasks = app.add_subcommand("tasks", "List the known tasks (bundled and $SCEVAL_TASK_PATH)");
  static bool long_list = false;
  tasks->add_flag("-l,--long", long_list, "Also show grid size, options and file");
  tasks->callback([] {
    for (const auto& e : task::list_tasks()) {
      if (!long_list) {
        fmt::print("{}\n", e.name);
        continue;
      }
      task::Task t = task::load_task_file(e.path);
      grid::Grid g(t);
      fmt::print("{:<34} {:>8} points  {} labels  {}\n", e.name, g.size(), t.options.size(), e.path);
    }
  });

  static PromptArgs pa;
  auto* prompt = app.add_subcommand("prompt", "Print the prompt for one grid point");
  prompt->add_option("task", pa.task, "Task name or task file")->required();
  prompt->add_option("--index,-i", pa.index, "Grid index (the paper's row id)")->required();
  prompt->add_flag("--json", pa.json, "Print the exact chat message list as JSON");
  prompt->add_flag("--followup", pa.followup, "The follow-up turn instead of turn 1");
  prompt->add_option("--complement", pa.complement, "Label the follow-up asks for");
  prompt->add_option("--reply", pa.reply, "The model's turn-1 reply, verbatim");
  prompt->add_option("--system", pa.system, "System prompt (e.g. the paper's Llama one)")
      ->each([](const std::string&) { pa.has_system = true; });
  prompt->callback([] {
    if (pa.followup && pa.complement.empty()) throw Error("--followup needs --complement LABEL");
    run_prompt(pa);
  });
}

}  // namespace sceval::cli
