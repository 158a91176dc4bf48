// The export formats beside SFT and TRL's DPO: OpenAI's preference fine-tuning rows, checked
// against the schema OpenAI documents (written here from its guide), and the prompt dataset of RL
// against the verifier (TRL's conversational prompt-only layout plus point_index and target).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "parse/sce.h"
#include "training/export.h"
#include "training_fixture.h"

using namespace sceval;
using namespace sceval::testing::training_fixture;

namespace {

// OpenAI's "Direct preference optimization" data format: each line has `input` (an object whose
// `messages` is a conversation of system/user/assistant messages, optionally `tools` and
// `parallel_tool_calls`), `preferred_output` and `non_preferred_output` (each exactly one assistant
// message). Returns what is wrong, or "".
std::string openai_dpo_violation(const json& row) {
  const std::set<std::string> keys = {"input", "preferred_output", "non_preferred_output"};
  for (const auto& [k, v] : row.items())
    if (!keys.contains(k)) return "unknown key " + k;
  for (const auto& k : keys)
    if (!row.contains(k)) return "missing " + k;
  const json& in = row["input"];
  if (!in.is_object() || !in.contains("messages") || !in["messages"].is_array() || in["messages"].empty())
    return "input.messages must be a non-empty array";
  for (const auto& [k, v] : in.items())
    if (k != "messages" && k != "tools" && k != "parallel_tool_calls") return "unknown input key " + k;
  for (const auto& m : in["messages"]) {
    if (!m.is_object() || m.size() != 2 || !m.contains("role") || !m.contains("content")) return "message shape";
    const std::string role = m["role"];
    if (role != "system" && role != "user" && role != "assistant") return "role " + role;
    if (!m["content"].is_string()) return "content must be a string";
  }
  for (const char* out : {"preferred_output", "non_preferred_output"}) {
    const json& o = row[out];
    if (!o.is_array() || o.size() != 1) return std::string(out) + " must hold exactly one message";
    if (o[0].value("role", "") != "assistant" || !o[0]["content"].is_string())
      return std::string(out) + " not assistant";
  }
  return "";
}

}  // namespace

TEST(TrainingFormats, OpenAiDpoRowsFollowTheDocumentedSchemaAndPairTheSameRowsAsTrl) {
  auto run = training::load_run(write_run("openai_dpo", kAnswers));
  auto openai = training::export_training(run, {training::Format::OpenAiDpo, std::nullopt, training::Turn1Scope::None});
  auto trl = training::export_training(run, {training::Format::Dpo, std::nullopt, training::Turn1Scope::None});
  ASSERT_EQ(openai.rows.size(), 3u);  // as TRL's: minimal SCEs are skipped
  ASSERT_EQ(openai.rows.size(), trl.rows.size());
  for (std::size_t r = 0; r < openai.rows.size(); ++r) {
    const json row = openai.rows[r];
    EXPECT_EQ(openai_dpo_violation(row), "") << row;
    EXPECT_EQ(row["input"]["messages"], json(trl.rows[r]["prompt"]));
    EXPECT_EQ(row["preferred_output"], json(trl.rows[r]["chosen"]));
    EXPECT_EQ(row["non_preferred_output"], json(trl.rows[r]["rejected"]));
    EXPECT_EQ(row["input"]["messages"].back()["role"], "user");
    // The preferred answer reads back, with sceval's own parser, as the hand-worked closest counterfactual.
    auto p = parse::parse_sce(*run.task, row["preferred_output"][0]["content"].get<std::string>());
    ASSERT_TRUE(p.ok());
  }
  EXPECT_EQ(openai.rows[0]["preferred_output"][0]["content"], reply(3, 1));
  EXPECT_EQ(openai.rows[0]["non_preferred_output"][0]["content"], reply(3, 2));
  EXPECT_NE(openai_dpo_violation(trl.rows[0]), "") << "the checker must tell the layouts apart";
}

TEST(TrainingFormats, PromptRowsCarryWhatTheRewardReads) {
  auto run = training::load_run(write_run("prompts", kAnswers));
  auto e = training::export_training(run, {training::Format::Prompts, std::nullopt, training::Turn1Scope::None});
  ASSERT_EQ(e.rows.size(), kAnswers.size());  // every audited row, minimal or not
  for (std::size_t r = 0; r < e.rows.size(); ++r) {
    const json& row = e.rows[r];
    EXPECT_EQ(row.size(), 4u) << row;
    EXPECT_EQ(row["point_index"], idx(kAnswers[r].x, kAnswers[r].y));
    EXPECT_EQ(row["target"], label(kAnswers[r].x, kAnswers[r].y) ? "no" : "yes");
    EXPECT_EQ(row["task"], "hand");
    ASSERT_EQ(row["prompt"].size(), 3u);
    EXPECT_EQ(row["prompt"].back(),
              (json{{"role", "user"}, {"content", "make it " + row["target"].get<std::string>()}}));
  }
  EXPECT_THROW(training::export_training(run, {training::Format::Prompts, std::nullopt, training::Turn1Scope::All}),
               std::exception);
  EXPECT_EQ(training::format_from_string("openai-dpo"), training::Format::OpenAiDpo);
  EXPECT_EQ(training::format_from_string("prompts"), training::Format::Prompts);
}
