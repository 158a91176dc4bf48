#pragma once
// One function per command group; main.cpp wires them into the CLI11 app.
namespace CLI {
class App;
}

namespace sceval::cli {

void add_task_commands(CLI::App& app);     // tasks, prompt
void add_closest_command(CLI::App& app);   // closest
void add_score_command(CLI::App& app);     // score
void add_compare_command(CLI::App& app);   // compare

}  // namespace sceval::cli
