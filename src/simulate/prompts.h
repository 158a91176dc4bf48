#pragma once
// The prompts of a simulatability audit are data: a prompt file (JSON, tasks/simulate/nsg.prompts;
// its notes list every template's fields). This renders them for a task's records and reads the
// target's free explanations back.
#include <optional>
#include <string>
#include <string_view>

#include "grid/grid.h"
#include "task/task.h"

namespace sceval::simulate {

struct Prompts {
  std::string path;
  std::string explain;        // {prompt}, {options}
  std::string sce;            // {target}, {record}
  std::string observer;       // {reference_prompt}, {reference_answer}, {counterfactual}, {options}, {answer_key}
  std::string observer_with;  // the same and {explanation}
};
// Errors name the file and field (a missing template, a field the template may not use).
Prompts load_prompts(const std::string& path);
// The first simulate/<name>.prompts in the task directories ($SCEVAL_TASK_PATH, then the bundled tasks/).
std::string find_prompts(const std::string& name);

// The target's question for a free explanation of its answer at `reference`.
std::string explain_prompt(const Prompts& p, const task::Task& t, const grid::Grid& g, grid::Index reference);

// A free explanation as the observer sees it: the <explanation> and <factors> sections of the reply
// (thinking removed); the whole reply when it has neither (tagged = false).
struct FreeExplanation {
  std::string text;
  bool tagged = false;
};
FreeExplanation parse_free_explanation(std::string_view reply);

// The run's SCE as an explanation: `texts` are the SCE's value texts, one per feature.
std::string sce_explanation(const Prompts& p, const task::Task& t, const std::string& target,
                            const std::vector<std::string>& texts);

// The observer's question: predict the target's answer at `counterfactual` from its answer at
// `reference` (and the explanation when given).
std::string observer_prompt(const Prompts& p, const task::Task& t, const grid::Grid& g, grid::Index reference,
                            const std::string& reference_answer, grid::Index counterfactual,
                            const std::optional<std::string>& explanation);

}  // namespace sceval::simulate
