#pragma once
// Simulatability audits on exact decision maps (docs/simulate.md): can an observer predict the
// audited model's answers at points near a reference point better when it is given the model's
// explanation of its answer there? The truth at every point comes from the run's decision map.
//
//   OUT = simulate.json (settings, accuracies, gains, NSG with cluster-bootstrap CIs, splits),
//         simulate.csv (one row per observer, explanation kind, reference and counterfactual point),
//         simulate_samples.jsonl (every request and raw reply)
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sceval/model.h"
#include "sceval/options.h"
#include "sceval/run.h"
#include "sceval/table.h"

namespace sceval {

struct SimulateOptions {
  std::string explanation = "both";  // free | sce | both
  std::int64_t hamming = 2;          // counterfactual points differ from the reference in 1..hamming features
  std::int64_t per_point = 8;        // counterfactual points per reference, half where the answer changes
  std::string prompts;               // prompt file (JSON); empty: simulate/nsg.prompts in the task directories
  // "I/N": only reference k (of the sorted, sampled list) with k mod N == I, written to
  // OUT/shard-I-of-N/; when every shard there is finished, they are merged into OUT (the files an
  // unsharded audit writes, byte for byte but for simulate_samples.jsonl, which stays per shard).
  // Empty: every reference.
  std::string shard;
};

// An observer: its name in the outputs and the model that predicts.
struct Observer {
  std::string name;
  Model* model = nullptr;
};

struct SimulateResult {
  nlohmann::json metrics;  // simulate.json
  Table predictions;       // simulate.csv
  std::size_t requests = 0, cache_hits = 0;
  // A shard: whether this call found every shard finished and merged them (metrics and predictions
  // are then the merged audit's, else this shard's).
  bool merged = false;
};

// The audit over the finished run directory `run_dir` (the CLI command and the Python function
// are `simulate`; here that is the module's namespace). `target` explains its answers (`free`) and
// gives the truths a lazy run lacks; null: the run's model spec is opened when one of them is needed.
// `options` gives sample, seed, bootstrap, chunk, the cache and the observers' sampling settings.
// `out`: where the files go (empty: nothing is written). Every request goes through the response
// cache in fixed chunks, so the same call again after a kill asks nothing answered already.
SimulateResult simulatability(const std::string& run_dir, const std::vector<Observer>& observers, Model* target,
                              const Options& options, const SimulateOptions& so = {}, const std::string& out = "",
                              const Callbacks& cb = {});

// Paired difference B - A of two simulatability audits of the same (reference, counterfactual)
// points (two observers, or two targets on one design): per explanation kind, each audit's accuracy
// without and with, gain and NSG (pooled over its observers), the differences of accuracy with,
// gain and NSG, and cluster-bootstrap CIs (o.bootstrap resamples, o.seed) that draw the same
// reference points for both. `a`, `b`: folders holding simulate.json and simulate.csv, or the
// simulate.json paths. Audits of different points are refused (sceval::Error naming a point).
nlohmann::json compare_simulations(const std::string& a, const std::string& b, const CompareOptions& o = {});

// Whether `path` names a simulatability audit rather than a run: a simulate.json path, or a folder
// holding simulate.json and no results.json (a run directory holding an audit is a run). compare()
// hands two audits to compare_simulations.
bool is_simulate_audit(const std::string& path);

}  // namespace sceval
