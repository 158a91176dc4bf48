#pragma once
// "Can the model compute Gower?" (paper §4.5; the paper's analysis/operationalising_distance):
// multiple-choice items (a starting grid point and K candidates; the answer is the candidate with
// the smallest Gower distance), asked in fresh chats, scored by accuracy with a Wilson CI.
// The prompt is data: a quiz file (tasks/quiz/gower.quiz, JSON; see docs/sweeps.md).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/run.h"
#include "grid/distance.h"

namespace sceval::experiment {

struct QuizFile {
  std::string path;
  std::string prompt;  // str.format: {n_candidates}, {start}, {candidates}, {ranges}
  std::vector<std::string> letters;
  std::string record_separator = ", ";
  std::map<std::string, std::string> task_records;  // task name -> record template over feature keys
};
QuizFile load_quiz(const std::string& path);  // errors name the file and field
// The first quiz/<name>.quiz in the task directories ($SCEVAL_TASK_PATH, then the bundled tasks/).
std::string find_quiz(const std::string& name);

struct QuizItem {
  grid::Index start = 0;
  std::vector<grid::Index> candidates;
  std::vector<double> distances;  // Gower (exact arithmetic, unweighted) from start to each candidate
  std::size_t answer = 0;         // position of the closest candidate
};

// The paper's procedure: draw `draws` sets of 1 + k distinct grid points (seeded), the first the
// start; drop every set where two candidates are equally far from the start (exact arithmetic).
std::vector<QuizItem> quiz_items(const grid::Grid& g, std::size_t draws, std::size_t k, std::uint64_t seed);

// The prompt of one item, byte for byte as the paper's experiment.py builds it.
std::string quiz_prompt(const QuizFile& q, const task::Task& t, const grid::Grid& g, const QuizItem& item);
// The "Ranges:" lines: integer step-1 axes as "key: a-b inclusive (integer)", other ordered axes as
// "key: ['v1', ...] (ordinal)", categorical ones as "key: [...] (categorical)".
std::string quiz_ranges(const task::Task& t);

struct QuizAnswer {
  std::string status;                 // ok | not_a_choice | missing_key | no_json | request_failed
  std::string text;                   // the answer as parsed ("NA" when none)
  std::optional<std::size_t> choice;  // index of the chosen letter
};
// The paper's parser: the first {...} (non-greedy) read as JSON, its "answer"; if that is not valid
// JSON, the regex "answer"\s*:\s*"?([A-Z])"?. Thinking text (up to </think>) is removed first.
QuizAnswer parse_quiz_answer(std::string_view reply, const std::vector<std::string>& letters);

// 95% Wilson score interval for k successes in n trials ([NaN, NaN] when n = 0).
std::pair<double, double> wilson_interval(std::size_t k, std::size_t n);

// Asks every item (s: model, output, sampling, system prompt, chunk) and returns gower_quiz.json.
nlohmann::json run_gower_quiz(const QuizFile& q, const task::Task& t, const std::vector<QuizItem>& items,
                              const RunSettings& s, std::uint64_t seed, llm::Backend& backend,
                              const nlohmann::json& model_info, const Progress& progress);

}  // namespace sceval::experiment
