#pragma once
// `sceval bench decision-map`: decision-map throughput of one GGUF model on a task's turn-1 prompts,
// four ways, one after another in one run: sceval's option scoring, sceval's greedy generation,
// llama-server (4 slots) driven over HTTP by sceval's OpenAIBackend, and the prompt-processing limit
// measured by llama-bench. Prints one JSON object. Built only with SCEVAL_WITH_LLAMA.
namespace CLI {
class App;
}

namespace sceval::cli {

// Adds `decision-map` under the existing `bench` subcommand of `app` (add_bench_command first).
void add_bench_decision_map_command(CLI::App& app);

}  // namespace sceval::cli
