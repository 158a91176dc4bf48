#pragma once
// The llm-sces protocol on a text task, through the same engine as grid audits (experiment::Asker:
// the backend's chunks, the response cache, samples.jsonl; experiment::RunOutput: the run
// directory). Per item and requested label: prediction, counterfactual request in the same chat,
// validity afresh and with history, edit measures, and the minimal flipping sub-edit by ddmin with
// every item's search advancing together in rounds (docs/text.md).
#include <nlohmann/json.hpp>

#include "experiment/output.h"
#include "experiment/run.h"
#include "experiment/settings.h"
#include "llm/backend.h"
#include "text/text_task.h"

namespace sceval::text {

// The task as the shared stages see it (name, options, stop strings): what run_settings and the
// complement draw need of a task.
task::Task shim(const TextTask& t);

// Refuses the options that only grid audits use (they would be recorded in results.json and do
// nothing): --decision-map other than generate, --distance, --no-live-check. --with-history is
// accepted: text audits always ask with history.
void check_run(const experiment::RunSettings& s);

experiment::RunReport run(const TextTask& t, const experiment::RunSettings& s, llm::Backend& backend,
                          experiment::RunOutput& out, const nlohmann::json& model_info = {},
                          const experiment::Progress& progress = {});

}  // namespace sceval::text
