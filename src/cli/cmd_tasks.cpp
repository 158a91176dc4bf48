// `sceval tasks` and `sceval prompt`.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "sceval/sceval.h"

namespace sceval::cli {
namespace {

struct PromptArgs {
  std::string task;
  std::uint64_t index = 0;
  bool json = false;
  MessageOptions m;
};

}  // namespace

void add_task_commands(CLI::App& app) {
  auto* tasks = app.add_subcommand("tasks", "List the known tasks (bundled and $SCEVAL_TASK_PATH)");
  static bool long_list = false;
  tasks->add_flag("-l,--long", long_list, "Also show grid size (text tasks: items), options and file");
  tasks->callback([] {
    // One broken file on $SCEVAL_TASK_PATH does not hide the others: each is listed or named with
    // its error, and the command fails at the end.
    std::size_t broken = 0;
    for (const auto& name : task_names()) {
      if (!long_list) {
        fmt::print("{}\n", name);
        continue;
      }
      try {
        const Task t = Task::load(name);
        fmt::print("{:<34} {:>8} {:<6}  {} labels  {}\n", name, t.size(), t.is_text() ? "items" : "points",
                   t.options().size(), t.path());
      } catch (const Error& e) {
        ++broken;
        fmt::print(stderr, "sceval: error: {}: {}\n", name, e.what());
      }
    }
    if (broken) throw Error(fmt::format("{} task file(s) could not be loaded (above)", broken));
  });

  static PromptArgs pa;
  auto* prompt = app.add_subcommand("prompt", "Print the prompt for one grid point (text tasks: one item)");
  prompt->add_option("task", pa.task, "Task name or task file")->required();
  add_checked_option(prompt, "--index,-i", "index",
                     "Grid index (the paper's row id); text tasks: item index (0-based, file order)",
                     [](const nlohmann::json& v) { pa.index = v.get<std::uint64_t>(); })
      ->required();
  prompt->add_flag("--json", pa.json, "Print the exact chat message list as JSON");
  prompt->add_flag("--followup", pa.m.followup, "The follow-up turn instead of turn 1");
  prompt->add_option_function<std::string>(
      "--complement", [](const std::string& v) { pa.m.complement = v; }, "Label the follow-up asks for");
  prompt->add_option_function<std::string>(
      "--reply", [](const std::string& v) { pa.m.reply = v; }, "The model's turn-1 reply, verbatim");
  prompt->add_option_function<std::string>(
      "--system", [](const std::string& v) { pa.m.system = v; }, "System prompt (e.g. the paper's Llama one)");
  prompt->callback([] {
    if (pa.m.followup && !pa.m.complement) throw Error("--followup needs --complement LABEL");
    if (pa.m.followup && !pa.m.reply) pa.m.reply = "";  // as before: the reply is what --reply gives
    const Conversation conv = Task::load(pa.task).messages(pa.index, pa.m);
    if (pa.json)
      fmt::print("{}\n", to_json(conv).dump(2));
    else
      fmt::print("{}", conv.back().content);
  });
}

}  // namespace sceval::cli
