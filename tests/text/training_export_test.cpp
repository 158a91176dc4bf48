// export-training on a text run: a run directory written by hand (tests/data/text/training: six
// rows, one of each kind) and the rows expected of it worked out below.
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "training/text_export.h"

namespace sceval::training {
namespace {

const std::string kDir = std::string(SCEVAL_TEST_DATA) + "/text/training/";

TextExport exported(Format f, const std::string& split = "") {
  return export_text_training(kDir + "run", f, split, kDir + "task.json");
}

// i1: valid, minimal edit smaller than the SCE; i2: valid, the SCE already minimal; i3: invalid;
// i4: valid but the search was censored; i5: not generated; i6: validity NA.
TEST(TextTraining, SftRowsAreTheMinimalEditInTheRunsChat) {
  const auto e = exported(Format::Sft);
  EXPECT_EQ(e.stats.sce_rows, 6u);
  EXPECT_EQ(e.stats.exported, 2u);
  const std::map<std::string, std::size_t> skipped = {
      {"censored", 1}, {"not_generated", 1}, {"not_valid", 1}, {"validity_na", 1}};
  EXPECT_EQ(e.stats.skipped, skipped);
  ASSERT_EQ(e.rows.size(), 2u);
  const auto& m = e.rows[0]["messages"];
  ASSERT_EQ(m.size(), 4u);  // prediction prompt, the model's own turn-1 reply, the request, the ideal
  EXPECT_EQ(m[0]["content"],
            "Review: The film was good and fun.\n\nAnswer with one of: positive, negative. End with "
            "\"ANSWER: <label>\".");
  EXPECT_EQ(m[1]["content"], "It is upbeat.\nANSWER: positive");
  EXPECT_EQ(m[2]["content"],
            "Revise the review so that your answer would be \"negative\". Give it after \"REVISED SCENARIO:\".");
  EXPECT_EQ(m[3]["role"], "assistant");
  EXPECT_EQ(m[3]["content"], "REVISED SCENARIO: The film was bad and fun.");
  EXPECT_EQ(e.rows[1]["messages"][3]["content"], "REVISED SCENARIO: A bad cast.");
  EXPECT_TRUE(e.split.is_null());
}

TEST(TextTraining, DpoRejectsTheModelsOwnReply) {
  const auto e = exported(Format::Dpo);
  ASSERT_EQ(e.rows.size(), 1u);  // i2's SCE is its own minimal edit: nothing to prefer
  EXPECT_EQ(e.stats.skipped.at("already_minimal"), 1u);
  EXPECT_EQ(e.rows[0]["prompt"].size(), 3u);
  EXPECT_EQ(e.rows[0]["chosen"][0]["content"], "REVISED SCENARIO: The film was bad and fun.");
  EXPECT_EQ(e.rows[0]["rejected"][0]["content"], "Sure.\nREVISED SCENARIO: The film was bad and dull.");
  const auto o = exported(Format::OpenAiDpo);
  ASSERT_EQ(o.rows.size(), 1u);
  EXPECT_EQ(o.rows[0]["preferred_output"], e.rows[0]["chosen"]);
  EXPECT_EQ(o.rows[0]["non_preferred_output"], e.rows[0]["rejected"]);
}

TEST(TextTraining, RandomSplitOverItems) {
  const auto e = exported(Format::Sft, "random:0.5:3");
  ASSERT_FALSE(e.split.is_null());
  std::set<std::string> held, train;
  for (const auto& id : e.split["heldout"]) held.insert(id.get<std::string>());
  for (const auto& id : e.split["train"]) train.insert(id.get<std::string>());
  EXPECT_EQ(held.size(), 3u);  // round(0.5 * 6)
  EXPECT_EQ(train.size(), 3u);
  for (const auto* id : {"i1", "i2", "i3", "i4", "i5", "i6"}) EXPECT_NE(held.contains(id), train.contains(id)) << id;
  // The exported rows are the eligible ones (i1, i2) that train; every held-out row is counted.
  std::size_t want = train.contains("i1") + train.contains("i2");
  EXPECT_EQ(e.rows.size(), want);
  EXPECT_EQ(e.stats.heldout, held.size());                          // one row per item here
  EXPECT_EQ(exported(Format::Sft, "random:0.5:3").split, e.split);  // seeded
  EXPECT_EQ(exported(Format::Sft, "random:0:3").rows.size(), 2u);
}

TEST(TextTraining, RefusesWhatTextRunsCannotDo) {
  EXPECT_THROW(exported(Format::Sft, "age>=50"), Error);
  EXPECT_THROW(exported(Format::Sft, "random:1.5:3"), Error);
  EXPECT_THROW(exported(Format::Prompts), Error);
  EXPECT_TRUE(is_text_run(kDir + "run"));
}

}  // namespace
}  // namespace sceval::training
