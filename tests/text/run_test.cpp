// Text audits end to end on rule models of known behaviour (the reviews task's own rule), through
// the same engine as grid runs: expected validity, hunks and minimal hunks worked out here.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "common/csv.h"
#include "llm/function_backend.h"
#include "text/run.h"

namespace sceval::text {
namespace {

const std::vector<std::string> kPos = {"great", "good", "excellent", "wonderful", "enjoyable", "brilliant"};
const std::vector<std::string> kNeg = {"bad", "boring", "awful", "dull", "terrible", "weak"};

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    while (!w.empty() && std::ispunct(static_cast<unsigned char>(w.back()))) w.pop_back();
    for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(w);
  }
  return out;
}
int count(const std::string& text, const std::vector<std::string>& list) {
  int n = 0;
  for (const auto& w : words(text)) n += std::find(list.begin(), list.end(), w) != list.end();
  return n;
}
// The task's documented rule.
std::string rule(const std::string& text) { return count(text, kPos) > count(text, kNeg) ? "positive" : "negative"; }

std::string review_of(const std::string& prompt) {
  const auto a = prompt.find("Review: ") + 8;
  return prompt.substr(a, prompt.find("\n\n", a) - a);
}

enum class Policy { OverEdit, Stubborn, SometimesFails };

// Over-edits: every word of the original's polarity becomes its opposite (the k-th positive word
// <-> the k-th negative word), and every sentence's "The" becomes "This" (edits that never matter).
// SometimesFails: only the first such word. Stubborn: like OverEdit, but asked in the chat that
// produced the revision it repeats its first answer.
std::string revise(const std::string& text, Policy p) {
  const bool to_negative = rule(text) == "positive";
  const auto& from = to_negative ? kPos : kNeg;
  const auto& to = to_negative ? kNeg : kPos;
  std::string out = std::regex_replace(text, std::regex("\\bThe\\b"), "This");
  for (std::size_t k = 0; k < from.size(); ++k) {
    const std::regex w("\\b" + from[k] + "\\b");
    out = p == Policy::SometimesFails ? std::regex_replace(out, w, to[k], std::regex_constants::format_first_only)
                                      : std::regex_replace(out, w, to[k]);
    if (p == Policy::SometimesFails && out.find(to[k]) != std::string::npos) break;
  }
  return out;
}

llm::GenerateFn model(Policy p) {
  return [p](std::span<const llm::GenerationRequest> batch) {
    std::vector<std::string> out;
    for (const auto& r : batch) {
      std::size_t users = 0;
      for (const auto& m : r.messages) users += m.role == "user";
      const std::string first = review_of(r.messages.front().content);
      if (users == 1)
        out.push_back("Let me count.\nANSWER: " + rule(review_of(r.messages.back().content)));
      else if (users == 2)
        out.push_back("REVISED SCENARIO: " + revise(first, p));
      else
        out.push_back("ANSWER: " + (p == Policy::Stubborn ? rule(first) : rule(review_of(r.messages.back().content))));
    }
    return out;
  };
}

Table run_rows(Policy p, std::size_t limit, std::size_t budget = 1000) {
  const TextTask t = load_text_task(std::string(SCEVAL_SOURCE_DIR) + "/tasks/text/reviews.json");
  experiment::RunSettings s;
  s.limit = limit;
  s.max_queries_per_point = budget;
  s.bootstrap.resamples = 50;
  llm::FunctionBackend backend("rule", model(p));
  experiment::RunOutput out;
  text::run(t, s, backend, out);
  return csv::parse(out.text("sces.csv"), "sces.csv");
}

std::string at(const Table& t, std::size_t r, const char* col) { return t.rows[r][t.require_column(col)]; }

// The minimal number of swapped words that flips a review (a monotone count: any that many do).
std::size_t swaps_needed(const std::string& text) {
  const int p = count(text, kPos), q = count(text, kNeg);
  return rule(text) == "positive" ? static_cast<std::size_t>((p - q + 1) / 2)
                                  : static_cast<std::size_t>((q - p) / 2 + 1);
}

TEST(TextRun, OverEditingPolicy) {
  const TextTask t = load_text_task(std::string(SCEVAL_SOURCE_DIR) + "/tasks/text/reviews.json");
  const Table rows = run_rows(Policy::OverEdit, 40);
  ASSERT_EQ(rows.rows.size(), 40u);
  for (std::size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string& text = t.items[r].text;
    static const std::regex the("\\bThe\\b");
    const std::size_t thes = static_cast<std::size_t>(
        std::distance(std::sregex_iterator(text.begin(), text.end(), the), std::sregex_iterator()));
    const std::size_t swapped = static_cast<std::size_t>(count(text, rule(text) == "positive" ? kPos : kNeg));
    EXPECT_EQ(at(rows, r, "original_answer"), rule(text));
    EXPECT_NE(at(rows, r, "target"), rule(text));
    EXPECT_EQ(at(rows, r, "generated"), "true");
    EXPECT_EQ(at(rows, r, "valid"), "true") << text;
    EXPECT_EQ(at(rows, r, "valid_with_history"), "true");
    EXPECT_EQ(at(rows, r, "sce_edit_hunks"), std::to_string(thes + swapped)) << text;
    EXPECT_EQ(at(rows, r, "minimal_edit_hunks"), std::to_string(swaps_needed(text))) << text;
    EXPECT_EQ(rule(at(rows, r, "minimal_text")), at(rows, r, "target"));
    EXPECT_EQ(at(rows, r, "censored"), "false");
    EXPECT_GT(std::stod(at(rows, r, "excess")), 0.0);  // the "This" edits are never needed
  }
}

TEST(TextRun, HistorySensitiveModel) {
  const Table rows = run_rows(Policy::Stubborn, 20);
  for (std::size_t r = 0; r < rows.rows.size(); ++r) {
    EXPECT_EQ(at(rows, r, "valid"), "true");
    EXPECT_EQ(at(rows, r, "valid_with_history"), "false");
  }
}

TEST(TextRun, SometimesFailsToFlip) {
  const TextTask t = load_text_task(std::string(SCEVAL_SOURCE_DIR) + "/tasks/text/reviews.json");
  const Table rows = run_rows(Policy::SometimesFails, 60);
  std::size_t invalid = 0;
  for (std::size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string revised = revise(t.items[r].text, Policy::SometimesFails);
    EXPECT_EQ(at(rows, r, "revised_text"), revised);
    const bool flips = rule(revised) != rule(t.items[r].text);
    EXPECT_EQ(at(rows, r, "valid"), flips ? "true" : "false") << revised;
    EXPECT_EQ(at(rows, r, "minimal_edit_hunks").empty(), !flips);  // only valid SCEs are searched
    invalid += !flips;
  }
  EXPECT_GT(invalid, 0u);
  EXPECT_LT(invalid, rows.rows.size());
}

TEST(TextRun, BudgetCensors) {
  const Table rows = run_rows(Policy::OverEdit, 20, 1);
  std::size_t censored = 0;
  for (std::size_t r = 0; r < rows.rows.size(); ++r) censored += at(rows, r, "censored") == "true";
  EXPECT_GT(censored, 0u);
}

}  // namespace
}  // namespace sceval::text
