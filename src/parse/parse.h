#pragma once
// The parse module: free model text -> the paper's answers and SCE records.
//   parse_json_from_text  (json_text.h)  reply -> JSON value, with the paper's repairs
//   extract_answer, label_of_answer, find_key  (answer.h)  turn-1 answer -> option / NA / off-label
//   parse_sce  (sce.h)  follow-up reply -> values, grid record, status
// docs/parsing.md describes the rules and where sceval differs from the paper.
#include "parse/answer.h"
#include "parse/json_text.h"
#include "parse/sce.h"
