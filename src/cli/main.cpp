// sceval: audits whether a language model's self-generated counterfactuals are valid and minimal.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <new>
#include <string>

#include "cli/commands.h"
#include "sceval/error.h"

int main(int argc, char** argv) {
  CLI::App app{"sceval: self-generated counterfactual evaluation (Mayne et al., EMNLP 2025)"};
  app.set_version_flag("--version", std::string("sceval ") + SCEVAL_VERSION);
  app.require_subcommand(1);
  sceval::cli::add_task_commands(app);
  sceval::cli::add_closest_command(app);
  sceval::cli::add_score_command(app);
  sceval::cli::add_compare_command(app);
  sceval::cli::add_run_command(app);
  sceval::cli::add_report_command(app);
  sceval::cli::add_sweep_command(app);
  sceval::cli::add_stability_command(app);
  sceval::cli::add_gower_quiz_command(app);
  sceval::cli::add_simulate_command(app);
  sceval::cli::add_cache_command(app);
  sceval::cli::add_export_training_command(app);
#if SCEVAL_WITH_LLAMA
  sceval::cli::add_make_test_model_command(app);
  sceval::cli::add_llm_commands(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 1, like every other error (docs/errors.md).
    return app.exit(e) == 0 ? 0 : 1;
  } catch (const sceval::cli::NoMetric& e) {
    fmt::print(stderr, "sceval: error: {}\n", e.what());
    return sceval::cli::kExitNoMetric;
  } catch (const sceval::Error& e) {
    fmt::print(stderr, "sceval: error: {}\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // The memory checks (grid/grid.h) cover the large structures before they are allocated; under a
    // tight limit (ulimit -v, a cgroup or Slurm request) a smaller allocation can still fail. Not a
    // bug: the user can act on it.
    const auto chosen = app.get_subcommands();
    fmt::print(stderr,
               "sceval: error: out of memory while running `sceval {}`: raise the memory limit (ulimit -v, the "
               "job's memory request), or audit grids this large with `sceval run --decision-map lazy`\n",
               chosen.empty() ? std::string("") : chosen.front()->get_name());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "sceval: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
