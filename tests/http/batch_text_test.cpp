// A text audit (tasks/text/reviews) in batch mode: the replay of OpenAI's Batch API answers with a
// rule model (the keyword count the task states; its SCE swaps every word of the answer's side),
// every stage of the protocol goes as batches, the minimal flipping sub-edit equals the count worked
// out by hand, and a direct run afterwards on the same cache asks nothing and writes the same rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/batch_replay_test.h"
#include "http/llama_server.h"
#include "sceval/table.h"

#ifndef SCEVAL_CLI
#define SCEVAL_CLI ""
#endif

namespace sceval::llm {
namespace {

using nlohmann::json;
using sceval::testing::read_text_file;

const std::set<std::string> kPositive = {"great", "good", "excellent", "wonderful", "enjoyable", "brilliant"};
const std::set<std::string> kNegative = {"bad", "boring", "awful", "dull", "terrible", "weak"};

std::string review_of(const std::string& prompt) {
  std::smatch m;
  return std::regex_search(prompt, m, std::regex("Review: ([^\\n]*)\\n")) ? m[1].str() : std::string();
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  const std::regex word("[A-Za-z]+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator(); ++it) {
    std::string w = it->str();
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
    out.push_back(w);
  }
  return out;
}

std::pair<int, int> counts(const std::string& review) {
  int p = 0, n = 0;
  for (const auto& w : words(review)) p += kPositive.count(w), n += kNegative.count(w);
  return {p, n};
}

std::string label_of(const std::string& review) {
  const auto [p, n] = counts(review);
  return p > n ? "positive" : "negative";
}

// The SCE: every word of the other side's list becomes "dull" (to negative) or "good" (to positive).
std::string revise(const std::string& review, const std::string& target) {
  const auto& swap = target == "negative" ? kPositive : kNegative;
  const std::string with = target == "negative" ? "dull" : "good";
  std::string out;
  const std::regex word("[A-Za-z]+");
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(review.begin(), review.end(), word); it != std::sregex_iterator(); ++it) {
    std::string w = it->str();
    std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
    out += review.substr(last, it->position() - last) + (swap.count(w) ? with : it->str());
    last = it->position() + it->length();
  }
  return out + review.substr(last);
}

std::string rule(const json& messages) {
  const std::string last = messages.back()["content"];
  if (!review_of(last).empty()) return "Counting the words.\nANSWER: " + label_of(review_of(last));
  std::smatch m;
  std::regex_search(last, m, std::regex("answer would be \"([a-z]+)\""));
  return "REVISED SCENARIO: " + revise(review_of(messages.front()["content"]), m[1].str());
}

struct HttpBatchText : sceval::testing::BatchReplayTest {
  HttpBatchText() : BatchReplayTest("SCEVAL_TEST_BATCH_KEY", "sk-batch-text-0123456789", "sceval-batch-text-") {
    replay.rule = rule;
  }
};

TEST_F(HttpBatchText, EveryStageGoesAsBatchesAndTheDirectRerunAsksNothing) {
  const char* env_cli = std::getenv("SCEVAL_CLI");
  const std::string cli = env_cli && *env_cli ? env_cli : SCEVAL_CLI;
  if (cli.empty() || !std::filesystem::is_regular_file(cli)) GTEST_SKIP() << "no sceval binary (SCEVAL_CLI)";
  auto run = [&](const std::string& extra, const std::string& out) {
    ChildProcess p({cli, "run", "--task", "reviews", "--model",
                    "openai:test-model@" + server->url() + "/v1;api_key_env=SCEVAL_TEST_BATCH_KEY" + extra, "--limit",
                    "6", "--cache", (dir / "c.sqlite").string(), "-o", (dir / out).string()},
                   (dir / (out + ".log")).string());
    const int rc = p.wait();
    EXPECT_EQ(rc, 0) << read_text_file((dir / (out + ".log")).string());
  };
  run(";batch=1;batch_poll=0.01", "batch");
  EXPECT_EQ(replay.direct_calls.load(), 0);
  // Prediction, SCE, validity afresh, validity with history, then ddmin rounds: each a batch.
  EXPECT_GE(replay.batches_created.load(), 5);
  EXPECT_EQ(replay.batches[replay.batch_order[0]].lines.size(), 6u);  // one prediction per item

  const Table sces = Table::read_csv((dir / "batch" / "sces.csv").string(), {"id", "target", "valid"});
  ASSERT_EQ(sces.rows.size(), 6u);
  const std::string reviews = read_text_file(std::string(SCEVAL_SOURCE_DIR) + "/tasks/text/reviews.jsonl");
  std::istringstream lines(reviews);
  std::map<std::string, std::string> text_of;
  for (std::string line; std::getline(lines, line);) {
    const auto j = json::parse(line);
    text_of[j["id"]] = j["text"];
  }
  auto cell = [&](std::size_t r, const char* name) { return sces.rows[r][sces.require_column(name)]; };
  for (std::size_t r = 0; r < sces.rows.size(); ++r) {
    const std::string id = cell(r, "id"), target = cell(r, "target");
    const auto [p, n] = counts(text_of.at(id));
    EXPECT_NE(target, label_of(text_of.at(id))) << id;  // binary: the complement is requested
    EXPECT_EQ(cell(r, "generated"), "true") << id;
    EXPECT_EQ(cell(r, "valid"), "true") << id;
    EXPECT_EQ(cell(r, "valid_with_history"), "true") << id;
    // Each swapped word is one hunk (the reviews' sentiment words are never adjacent). The fewest
    // swaps that flip the count: to negative k >= (p - n) / 2, to positive k > (n - p) / 2; on a
    // monotone count a 1-minimal subset has exactly that size.
    const int swapped = target == "negative" ? p : n;
    const int k = target == "negative" ? (p - n + 1) / 2 : (n - p) / 2 + 1;
    EXPECT_EQ(cell(r, "sce_edit_hunks"), std::to_string(swapped)) << id;
    EXPECT_EQ(cell(r, "minimal_edit_hunks"), std::to_string(k)) << id;
  }

  run("", "direct");
  EXPECT_EQ(replay.direct_calls.load(), 0);  // every answer came from the batch run's cache rows
  EXPECT_EQ(read_text_file((dir / "direct" / "sces.csv").string()),
            read_text_file((dir / "batch" / "sces.csv").string()));
}

}  // namespace
}  // namespace sceval::llm
