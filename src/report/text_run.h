#pragma once
// Text-audit run directories (results.json "protocol": "text", docs/text.md): no decision map over a
// grid, one sces.csv row per item and requested label. The report shows their metrics, the SCE's
// edit size against its minimal flipping sub-edit, and each row's texts as word diffs.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "report/run_dir.h"

namespace sceval::report {

bool is_text_run(const nlohmann::json& results);

// Fills a RunDir for a text run: decision_map.csv (the predictions) and sces.csv as tables (sces.csv
// refused at the header without id, target, revised_text, generated or valid, and at a row whose
// target is not an option), samples.jsonl, and the items' original texts (text_originals).
void load_text_run(RunDir& run);

// The items' original texts by id, from results.json task.items_path: as recorded when absolute,
// else beside the run directory's results.json or from the current folder; then a file of the same
// name in the run directory (a run copied to another machine with its items). No file: an empty map
// and a note saying which paths were tried (the page then shows the texts without diffs).
void read_text_originals(RunDir& run);

// A word diff as segments [kind, text]: kind "=" (unchanged), "-" (removed from a), "+" (inserted in
// b), in text order; each token keeps the whitespace before it, so the "=" and "-" texts spell a's
// words and the "=" and "+" texts b's (spaced as in a; a word is never run into its neighbour).
// Tokens and hunks are src/text's (text::diff).
nlohmann::json word_diff(std::string_view a, std::string_view b);

nlohmann::json text_run_page_data(const RunDir& run);

}  // namespace sceval::report
