#pragma once
// A task: the classification question, its grid's features, its label options and prompts.
// Tasks are data (JSON task files, see docs/task-format.md); this is their in-memory form.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "task/feature.h"

namespace sceval::task {

enum class DistanceKind { Gower, L1Mad, L2Std };
// The distances' names as task files, options and results.json write them, in DistanceKind's order.
inline constexpr std::array<std::string_view, 3> kDistanceNames = {"gower", "l1_mad", "l2_std"};
std::string_view to_string(DistanceKind d);
std::optional<DistanceKind> distance_from_string(std::string_view s);

struct Task {
  std::string name;
  std::string title;
  std::string path;  // file it came from, for messages
  std::vector<Feature> features;
  std::vector<std::string> options;
  std::string answer_key = "answer";
  std::string description_prefix = "- ";
  std::string description_separator = "\n";
  std::string prompt;    // str.format template with {description}
  std::string followup;  // str.format template with {complement}
  std::optional<std::string> system_prompt;
  std::vector<std::string> stop;  // replies end before the first of these (for models that never emit EOS)
  DistanceKind distance = DistanceKind::Gower;
  std::vector<std::string> notes;
  nlohmann::json source;    // attribution etc.
  bool text_input = false;  // a text task file (no features): read in full by src/text

  std::optional<std::size_t> option_index(std::string_view label) const;
  std::size_t feature_index(std::string_view name) const;  // throws if unknown
};

// Parses a task from JSON; `origin` names the file in error messages.
Task parse_task(const nlohmann::json& j, const std::string& origin);
Task load_task_file(const std::string& path);

}  // namespace sceval::task
