#pragma once
// Everything that defines a run of the paper's protocol (`sceval run`).
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "llm/backend.h"
#include "metrics/aggregate.h"
#include "task/task.h"

namespace sceval::experiment {

// Lazy/Auto: experiment/lazy.h (Auto = lazy unless the full map costs no more queries).
enum class DecisionMapMode { Generate, Score, Lazy, Auto };
// Their names as the option `decision_map` and results.json write them, in the enum's order.
inline constexpr std::array<std::string_view, 4> kDecisionMapNames = {"generate", "score", "lazy", "auto"};
inline DecisionMapMode decision_map_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kDecisionMapNames.size(); ++i)
    if (name == kDecisionMapNames[i]) return static_cast<DecisionMapMode>(i);
  throw std::invalid_argument("decision map mode " + std::string(name));  // the option table checks names first
}

// The paper's system prompt for meta-llama models (models.json); other models get none.
inline constexpr const char* kPaperLlamaSystemPrompt = "\n\nYou are a helpful assistant.\n\n";

struct RunSettings {
  std::string task;    // name or task file
  std::string model;   // model spec (without secrets)
  std::string output;  // run directory
  DecisionMapMode decision_map = DecisionMapMode::Generate;
  std::size_t max_queries_per_point = 1000;  // lazy: points one search may take (docs/lazy.md)
  std::optional<std::size_t> limit;          // the first N grid points
  std::optional<std::size_t> sample;         // N grid points drawn at random (seeded)
  std::uint64_t seed = kDefaultSeed;         // sampling of points and complements
  bool all_complements = false;              // k-way: one SCE per other label
  GenerateOptions sampling;                  // the paper: T = 0, seed 42, max_tokens 1000
  std::optional<std::string> system_prompt;
  bool live_off_grid = true;  // ask the model about off-grid SCEs in a fresh chat
  bool with_history = false;  // also ask each parsed SCE in the follow-up's chat
  std::size_t chunk = 64;     // requests per batch: fixed, so resumed runs compute the same
  std::optional<task::DistanceKind> distance;
  metrics::BootstrapSettings bootstrap;

  // results.json "settings": every recorded option's value (made from the option table by the
  // library API, src/api), plus task and model.
  nlohmann::json recorded = nlohmann::json::object();
  const nlohmann::json& to_json() const { return recorded; }
};

}  // namespace sceval::experiment
