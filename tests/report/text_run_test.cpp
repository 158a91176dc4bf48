// The report's data for text-audit runs, against the hand-written run directory
// tests/data/report/text_run/ (7 rows of 6 items; its Levenshtein columns were computed with the
// textbook recurrence, the diffs below are worked by hand from the word/punctuation tokens):
//   a1  "The film was good, and the cast was great."  -> "... bad, ... awful."   2 hunks; minimal: the first
//   a2  "A dull, boring plot."                        -> "A fun plot."          1 hunk (3 tokens -> 1)
//   a3  markup in the original, a script in the revision (hostile), validity NA
//   a4  not generated (no_marker)
//   a5  3 hunks, censored search, minimal = 2 hunks
//   a6  id missing from items.jsonl;  a7  items.jsonl holds another text (sces.csv distance 99)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "error_helpers.h"
#include "report/html.h"
#include "report/page_data.h"
#include "report/run_dir.h"
#include "report/text_run.h"
#include "text/edit.h"
#include "text/text_task.h"

namespace sceval::report {
namespace {

using nlohmann::json;
using sceval::testing::error_of;
using sceval::testing::has;
using sceval::testing::ScratchDir;
namespace fs = std::filesystem;

const std::string kRun = std::string(SCEVAL_TEST_DATA) + "/report/text_run";

json segments(std::initializer_list<std::pair<const char*, const char*>> s) {
  json out = json::array();
  for (const auto& [kind, text] : s) out.push_back(json::array({kind, text}));
  return out;
}

json row_of(const json& run, const std::string& id) {
  for (const auto& r : run["rows"])
    if (r["id"] == id) return r;
  ADD_FAILURE() << "no row " << id;
  return json();
}

TEST(ReportTextDiff, HandWorkedWordDiffs) {
  // Tokens: The|film|was|good|,|and|the|cast|was|great|. ; "good" and "great" replaced.
  EXPECT_EQ(word_diff("The film was good, and the cast was great.", "The film was bad, and the cast was awful."),
            segments({{"=", "The film was"},
                      {"-", " good"},
                      {"+", " bad"},
                      {"=", ", and the cast was"},
                      {"-", " great"},
                      {"+", " awful"},
                      {"=", "."}}));
  // Three tokens (dull , boring) become one: one hunk; the comma keeps its empty leading space.
  EXPECT_EQ(word_diff("A dull, boring plot.", "A fun plot."),
            segments({{"=", "A"}, {"-", " dull, boring"}, {"+", " fun"}, {"=", " plot."}}));
  EXPECT_EQ(word_diff("Same text.", "Same text."), segments({{"=", "Same text."}}));
  EXPECT_EQ(word_diff("", "New words"), segments({{"+", "New words"}}));
  EXPECT_EQ(word_diff("Old words", ""), segments({{"-", "Old words"}}));
  // A pure insertion and a changed space (no edit: diffs compare words only).
  EXPECT_EQ(word_diff("a  b c", "a b new c"), segments({{"=", "a  b"}, {"+", " new"}, {"=", " c"}}));
  // "good" follows "(" without a space; after the inserted "very" it takes the revision's space.
  EXPECT_EQ(word_diff("(good)", "(very good)"), segments({{"=", "("}, {"+", "very"}, {"=", " good)"}}));
  EXPECT_EQ(word_diff("good", "so good"), segments({{"+", "so"}, {"=", " good"}}));
}

// Whatever the texts, the unchanged and removed segments spell the original's words and the
// unchanged and inserted ones the revision's, read back by the tokeniser: no word runs into its
// neighbour (an inserted word before an unchanged one the original writes without a space was
// shown as "The film wasgood").
TEST(ReportTextDiff, SegmentsSpellBothTexts) {
  const std::vector<std::string> texts = {"The film was good, and the cast was great.",
                                          "A dull, boring plot.",
                                          "  Leading and trailing spaces.  ",
                                          "Line one.\nLine two!\n\nEnd",
                                          "Ünïcödé wörds — and “quotes”.",
                                          "good good good bad",
                                          "",
                                          "<b>x</b> & y"};
  const auto words = [](const std::string& t) {
    std::vector<std::string> out;
    for (const auto& tok : text::tokenize(t)) out.push_back(tok.word);
    return out;
  };
  for (const auto& a : texts)
    for (const auto& b : texts) {
      std::string left, right;
      for (const auto& seg : word_diff(a, b)) {
        const std::string kind = seg[0], part = seg[1];
        EXPECT_FALSE(part.empty());
        if (kind != "+") left += part;
        if (kind != "-") right += part;
      }
      EXPECT_EQ(words(left), words(a)) << a << " | " << b;
      EXPECT_EQ(words(right), words(b)) << a << " | " << b;
    }
}

TEST(ReportTextRun, FixtureRowsCarryTheirTextsAndDiffs) {
  const RunDir run = load_run(kRun, "text_run");
  ASSERT_TRUE(run.text);
  EXPECT_EQ(run.originals.size(), 6u);
  EXPECT_TRUE(has(run.originals_source, "items.jsonl")) << run.originals_source;
  const json data = page_data({run})["runs"][0];
  EXPECT_EQ(data["protocol"], "text");
  for (const char* grid_key : {"axes", "labels", "sces", "edges", "steps", "edits"})
    EXPECT_FALSE(data.contains(grid_key)) << grid_key;  // the page's grid sections have nothing to draw
  ASSERT_EQ(data["rows"].size(), 7u);
  EXPECT_EQ(data["results"]["text"]["metrics"]["validity"], 0.4);

  const json a1 = row_of(data, "a1");
  EXPECT_EQ(a1["line"], 2);
  EXPECT_EQ(a1["original"], "The film was good, and the cast was great.");
  EXPECT_EQ(a1["valid"], true);
  EXPECT_EQ(a1["censored"], false);
  EXPECT_EQ(a1["sce_hunks"], 2.0);
  EXPECT_EQ(a1["minimal_levenshtein"], 3.0);
  EXPECT_EQ(a1["excess"], 0.625);  // 1 - 3 / 8
  EXPECT_EQ(a1["sce_diff"],
            word_diff("The film was good, and the cast was great.", "The film was bad, and the cast was awful."));
  EXPECT_EQ(a1["minimal_diff"],
            segments({{"=", "The film was"}, {"-", " good"}, {"+", " bad"}, {"=", ", and the cast was great."}}));

  const json a5 = row_of(data, "a5");
  EXPECT_EQ(a5["censored"], true);
  EXPECT_TRUE(a5["excess"].is_null());  // censored searches have no excess
  EXPECT_EQ(a5["minimal_diff"], segments({{"-", "Good"},
                                          {"+", "Bad"},
                                          {"=", " acting,"},
                                          {"-", " great"},
                                          {"+", " awful"},
                                          {"=", " music, excellent sets."}}));

  const json a3 = row_of(data, "a3");
  EXPECT_TRUE(a3["valid"].is_null());  // NA, not invalid
  EXPECT_EQ(a3["answer_reason"], "no_marker");
  EXPECT_TRUE(a3["minimal_diff"].is_null());  // not searched

  const json a4 = row_of(data, "a4");
  EXPECT_EQ(a4["generated"], false);
  EXPECT_EQ(a4["generated_reason"], "no_marker");
  EXPECT_TRUE(a4["sce_diff"].is_null());  // no revision to compare
  EXPECT_EQ(a4["original"], "It was fine.");

  const json a6 = row_of(data, "a6");
  EXPECT_TRUE(a6["original"].is_null() && a6["sce_diff"].is_null());
  EXPECT_TRUE(has(a6["original_note"].get<std::string>(), "id not in the items file")) << a6["original_note"];
  const json a7 = row_of(data, "a7");
  EXPECT_TRUE(a7["original"].is_null() && a7["sce_diff"].is_null());
  EXPECT_TRUE(has(a7["original_note"].get<std::string>(), "another text for this id (distance 13"))
      << a7["original_note"];

  // Only the counterfactual and validity calls reach the page (not the prediction or ddmin's).
  ASSERT_EQ(data["samples"].size(), 3u);
  for (const auto& s : data["samples"])
    EXPECT_TRUE(s["stage"] == "text_counterfactual" || s["stage"] == "text_validity");
}

TEST(ReportTextRun, HostileModelTextIsEscapedInThePage) {
  const std::string page = render_page(page_data({load_run(kRun, "text_run")}));
  EXPECT_FALSE(has(page, "<script>window.__xss")) << "model text closed the data element";
  EXPECT_TRUE(has(page, "\\u003c/script\\u003e\\u003cscript\\u003ewindow.__xss"));
}

// A run copied without its items file: the page is still made; every row says why it has no diff.
TEST(ReportTextRun, MissingItemsFileLeavesTextsWithoutDiffs) {
  ScratchDir d;
  for (const char* f : {"results.json", "decision_map.csv", "sces.csv", "samples.jsonl"})
    fs::copy_file(kRun + "/" + f, d.path / f);
  const RunDir run = load_run(d.path.string(), "copy");
  EXPECT_TRUE(run.originals.empty());
  EXPECT_TRUE(has(run.originals_note, "not found (tried " + (d.path / "items.jsonl").string())) << run.originals_note;
  const json data = page_data({run})["runs"][0];
  for (const auto& r : data["rows"]) {
    EXPECT_TRUE(r["original"].is_null() && r["sce_diff"].is_null());
    EXPECT_EQ(r["original_note"], run.originals_note);
  }
  // A damaged items file: the same, with the reader's message (file and line).
  d.write("items.jsonl", "{\"id\": \"a1\", \"text\": \"ok\"}\nnot json\n");
  const RunDir damaged = load_run(d.path.string(), "copy");
  EXPECT_TRUE(damaged.originals.empty());
  EXPECT_TRUE(has(damaged.originals_note, "items.jsonl:2")) << damaged.originals_note;
}

// The items file the originals came from is an input: the page is not written over it.
TEST(ReportTextRun, ThePageIsNotWrittenOverTheItemsFile) {
  ScratchDir d;
  for (const char* f : {"results.json", "decision_map.csv", "sces.csv", "samples.jsonl", "items.jsonl"})
    fs::copy_file(kRun + "/" + f, d.path / f);
  const std::string items = d.file("items.jsonl");
  const std::string message = error_of([&] { write_report({d.path.string()}, items); });
  EXPECT_TRUE(has(message, "is also an input of this command")) << message;
  EXPECT_EQ(text::read_items(items).size(), 6u);  // untouched
  EXPECT_EQ(write_report({d.path.string()}, d.file("report.html")), 1u);
}

TEST(ReportTextRun, DamagedSceFileIsRefusedNamingFileLineAndColumn) {
  ScratchDir d;
  for (const char* f : {"results.json", "decision_map.csv", "items.jsonl"}) fs::copy_file(kRun + "/" + f, d.path / f);
  const std::string head = "id,target,revised_text,generated,valid\n";
  d.write("sces.csv", head + "a1,negative,Some text.,true,true\na2,neutral,x,true,false\n");
  const std::string target = error_of([&] { load_run(d.path.string(), "x"); });
  EXPECT_TRUE(has(target, "sces.csv:3") && has(target, "\"neutral\" is not one of the task's options")) << target;
  d.write("sces.csv", head + "a1,negative,Some text.,true,maybe\n");
  const std::string flag = error_of([&] { page_data({load_run(d.path.string(), "x")}); });
  EXPECT_TRUE(has(flag, "sces.csv:2") && has(flag, "valid") && has(flag, "'maybe'")) << flag;
  d.write("sces.csv", "id,target,generated,valid\na1,negative,true,true\n");
  const std::string column = error_of([&] { load_run(d.path.string(), "x"); });
  EXPECT_TRUE(has(column, "revised_text")) << column;
  d.write("sces.csv", head + "a1,negative,Some text.,true,true\n");
  EXPECT_EQ(page_data({load_run(d.path.string(), "x")})["runs"][0]["rows"].size(), 1u);  // the minimal columns
}

}  // namespace
}  // namespace sceval::report
