#pragma once
// One function per command group; main.cpp wires them into the CLI11 app.
#include "sceval/error.h"

namespace CLI {
class App;
}

namespace sceval::cli {

// A run that finished and wrote its files, but in which nothing could be scored (N = 0 in both
// modes): exit 3, so a script can tell it from an error (exit 1) while `&&` still stops there.
struct NoMetric : Error {
  using Error::Error;
};
inline constexpr int kExitNoMetric = 3;

void add_task_commands(CLI::App& app);    // tasks, prompt
void add_closest_command(CLI::App& app);  // closest
void add_score_command(CLI::App& app);    // score
#if SCEVAL_WITH_LLAMA
void add_make_test_model_command(CLI::App& app);  // make-test-model
void add_llm_commands(CLI::App& app);             // llm generate | score
#endif
void add_compare_command(CLI::App& app);          // compare
void add_run_command(CLI::App& app);              // run
void add_report_command(CLI::App& app);           // report
void add_sweep_command(CLI::App& app);            // sweep
void add_stability_command(CLI::App& app);        // stability
void add_gower_quiz_command(CLI::App& app);       // gower-quiz
void add_simulate_command(CLI::App& app);         // simulate
void add_export_training_command(CLI::App& app);  // export-training
void add_cache_command(CLI::App& app);            // cache merge | export | import

}  // namespace sceval::cli
