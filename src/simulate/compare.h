#pragma once
// Two simulatability audits of the same points compared (docs/simulate.md "Comparing two audits"):
// e.g. two observers, or two targets audited on the same design. Paired differences B - A of the
// accuracy with the explanation, the gain and the NSG per explanation kind (pooled over each
// audit's observers), with cluster-bootstrap CIs that draw the same reference points for both.
#include <string>

#include <nlohmann/json.hpp>

#include "sceval/table.h"
#include "simulate/score.h"

namespace sceval::simulate {

struct Audit {
  std::string name;     // for messages and the output: where it was read from
  nlohmann::json json;  // simulate.json
  Table csv;            // simulate.csv
};

// Refuses (sceval::Error naming both audits and a point in one only) audits whose
// (reference, counterfactual) points differ. Kinds in only one audit are left out (listed in
// "kinds_only_in").
nlohmann::json compare_audits(const Audit& a, const Audit& b, const CiSettings& ci);

// An audit from a folder holding simulate.json and simulate.csv, or from its simulate.json's path.
Audit read_audit(const std::string& path);

}  // namespace sceval::simulate
