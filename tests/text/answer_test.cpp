// Replies as models write them: markdown around the revision marker and the revision, and hedged
// answers that name two options. Each case is worked by hand: the revision the reader must see, or
// the reason it must give.
#include <gtest/gtest.h>

#include <string>

#include "text/answer.h"
#include "text/text_task.h"

namespace sceval::text {
namespace {

TextTask markers_task() {
  TextTask t;
  t.options = {"positive", "negative"};
  t.answer_marker = "ANSWER:";
  t.revision_marker = "REVISED SCENARIO:";
  t.format = AnswerFormat::Markers;
  return t;
}

TEST(TextAnswer, MarkdownAroundTheRevisionIsNotPartOfIt) {
  const TextTask t = markers_task();
  const std::string want = "The plot was dull.";
  for (const std::string reply : {
           "**REVISED SCENARIO:** The plot was dull.",
           "*REVISED SCENARIO:* The plot was dull.",
           "__REVISED SCENARIO:__ The plot was dull.",
           "REVISED SCENARIO: **The plot was dull.**",
           "REVISED SCENARIO:\n*The plot was dull.*",
           "REVISED SCENARIO:\n> The plot was dull.",
           "Sure.\n\n**REVISED SCENARIO:**\n```\nThe plot was dull.\n```",
           "### REVISED SCENARIO:\nThe plot was dull.\n\nANSWER: negative",
       }) {
    const ParsedRevision p = parse_revision(t, reply);
    EXPECT_TRUE(p.found) << reply;
    EXPECT_EQ(p.text, want) << reply;
  }
  // A quote over several lines keeps its lines; emphasis inside the text stays.
  EXPECT_EQ(parse_revision(t, "REVISED SCENARIO:\n> First line.\n>\n> Second *line*.").text,
            "First line.\n\nSecond *line*.");
  EXPECT_EQ(parse_revision(t, "REVISED SCENARIO: The *plot* was dull.").text, "The *plot* was dull.");
  EXPECT_EQ(parse_revision(t, "REVISED SCENARIO: **Bold** start, plain end.").text, "**Bold** start, plain end.");
}

TEST(TextAnswer, AHedgeIsNotAnAnswer) {
  const TextTask t = markers_task();
  struct Case {
    std::string reply;
    int label;
    std::string reason;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"ANSWER: positive", 0, ""},
           {"**ANSWER:** Negative.", 1, ""},
           {"ANSWER: positive, because the acting was great", 0, ""},
           {"ANSWER: positive or negative", -1, "ambiguous"},
           {"ANSWER: positive negative", -1, "ambiguous"},
           {"ANSWER: negative/positive", -1, "ambiguous"},
           {"ANSWER: not positive", -1, "unknown_label"},
           {"ANSWER: positively", -1, "unknown_label"},
           {"I think negative... ANSWER: positive", 0, ""},
       }) {
    const ParsedAnswer p = parse_answer(t, c.reply);
    EXPECT_EQ(p.label, c.label) << c.reply;
    EXPECT_EQ(p.reason, c.reason) << c.reply;
  }
}

}  // namespace
}  // namespace sceval::text
