#pragma once
// sceval's public API: audits whether a language model's self-generated counterfactual
// explanations are valid and minimal (Mayne et al., EMNLP 2025). The CLI and the Python package
// are faces of this API.
#include "sceval/cache.h"
#include "sceval/error.h"
#include "sceval/experiments.h"
#include "sceval/message.h"
#include "sceval/model.h"
#include "sceval/options.h"
#include "sceval/report.h"
#include "sceval/reward.h"
#include "sceval/run.h"
#include "sceval/simulate.h"
#include "sceval/table.h"
#include "sceval/task.h"
#include "sceval/training.h"
#include "sceval/version.h"
