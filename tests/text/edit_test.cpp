// Text audits: edit measures, reply parsing and ddmin against independent references.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "text/answer.h"
#include "text/ddmin.h"
#include "text/edit.h"

namespace sceval::text {
namespace {

// The textbook recurrence, written out independently of edit.cpp.
std::size_t reference_levenshtein(const std::u32string& a, const std::u32string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j)
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
  return d[a.size()][b.size()];
}

TEST(TextEdit, LevenshteinHandWorked) {
  EXPECT_EQ(levenshtein("kitten", "sitting"), 3u);
  EXPECT_EQ(levenshtein("", "abc"), 3u);
  EXPECT_EQ(levenshtein("same", "same"), 0u);
  EXPECT_EQ(levenshtein("café", "cafe"), 1u);  // one code point, two bytes
  EXPECT_DOUBLE_EQ(levenshtein_normalized("kitten", "sitting"), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(levenshtein_normalized("", ""), 0.0);
}

TEST(TextEdit, LevenshteinMatchesTheRecurrenceOnRandomStrings) {
  std::mt19937 rng(3);
  for (int n = 0; n < 300; ++n) {
    std::u32string a, b;
    std::string ua, ub;
    for (auto* s : {&a, &b}) {
      const int len = static_cast<int>(rng() % 12);
      for (int k = 0; k < len; ++k) s->push_back(U"abcé"[rng() % 4]);
    }
    for (char32_t c : a) ua += c == U'é' ? "é" : std::string(1, static_cast<char>(c));
    for (char32_t c : b) ub += c == U'é' ? "é" : std::string(1, static_cast<char>(c));
    EXPECT_EQ(levenshtein(ua, ub), reference_levenshtein(a, b)) << ua << " / " << ub;
  }
}

TEST(TextEdit, HunksOfAWordDiff) {
  const auto e = diff("The plot was dull. The acting was bad.", "The plot was great. The acting was  good!");
  ASSERT_EQ(e.hunks.size(), 2u);  // dull->great, "bad ." -> "good !"; the double space is no edit
  EXPECT_EQ(e.apply({false, false}), "The plot was dull. The acting was bad.");
  EXPECT_EQ(e.apply({true, false}), "The plot was great. The acting was bad.");
  EXPECT_EQ(e.apply({true, true}), "The plot was great. The acting was  good!");
  EXPECT_EQ(e.words({0, 1}), 3u);
  const auto ins = diff("a b", "a new b");
  ASSERT_EQ(ins.hunks.size(), 1u);
  EXPECT_EQ(ins.hunks[0].orig_begin, ins.hunks[0].orig_end);  // a pure insertion
  EXPECT_EQ(ins.apply({true}), "a new b");
}

TEST(TextParse, MarkersForgivingly) {
  TextTask t;
  t.options = {"positive", "negative"};
  EXPECT_EQ(parse_answer(t, "Thinking... ANSWER: maybe\nANSWER: **Negative**.").label, 1);
  EXPECT_EQ(parse_answer(t, "<think>ANSWER: positive</think>answer: \"negative\" because").label, 1);
  EXPECT_EQ(parse_answer(t, "positive").label, 0);
  EXPECT_EQ(parse_answer(t, "I like it").reason, "no_marker");
  EXPECT_EQ(parse_answer(t, "ANSWER: positively unclear").reason, "unknown_label");
  EXPECT_EQ(parse_answer(t, "ANSWER:   ").reason, "empty");
  EXPECT_EQ(parse_revision(t, "Sure.\nREVISED SCENARIO:\n```\nThe plot was great.\n```\nANSWER: positive").text,
            "The plot was great.");
  EXPECT_EQ(parse_revision(t, "revised scenario: \"Fine.\"").text, "Fine.");
  EXPECT_EQ(parse_revision(t, "no revision here").reason, "no_marker");
  t.format = AnswerFormat::Json;
  EXPECT_EQ(parse_answer(t, "```json\n{\"Answer\": \"POSITIVE\"}\n```").label, 0);
  EXPECT_EQ(parse_answer(t, "none").reason, "no_json");
  EXPECT_EQ(parse_revision(t, "{'revised': 'It was good.'}").text, "It was good.");
  EXPECT_EQ(parse_revision(t, "{\"answer\": \"x\"}").reason, "missing_key");
}

// Runs a search to its end with `flips` as the oracle.
Ddmin run_ddmin(std::size_t n, std::size_t budget, const std::function<bool(const Subset&)>& flips) {
  Ddmin d(n, budget);
  while (!d.done()) {
    for (const auto& s : d.pending()) d.record(s, flips(s));
    d.advance();
  }
  return d;
}

// Against a brute force over every subset: the result flips and is 1-minimal, i.e. it is one of
// the flipping subsets none of whose one-smaller subsets flips.
TEST(TextDdmin, OneMinimalAgainstEverySubset) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = 1 + rng() % 7;
    const std::uint32_t full = (1u << n) - 1;
    std::vector<bool> flip(full + 1);
    for (std::uint32_t m = 1; m < full; ++m) flip[m] = rng() % 3 == 0;  // arbitrary, not monotone
    flip[0] = false, flip[full] = true;  // the original does not flip, the whole SCE does
    std::vector<bool> one_minimal(full + 1, false);
    for (std::uint32_t m = 1; m <= full; ++m) {
      if (!flip[m]) continue;
      bool minimal = true;
      for (std::size_t i = 0; i < n; ++i)
        if ((m >> i & 1u) && flip[m & ~(1u << i)]) minimal = false;
      one_minimal[m] = minimal;
    }
    const auto d = run_ddmin(n, 1000, [&](const Subset& s) {
      std::uint32_t m = 0;
      for (auto i : s) m |= 1u << i;
      return static_cast<bool>(flip[m]);
    });
    std::uint32_t got = 0;
    for (auto i : d.result()) got |= 1u << i;
    EXPECT_FALSE(d.censored());
    EXPECT_TRUE(one_minimal[got]) << "trial " << trial << " n " << n << " result mask " << got;
    EXPECT_LE(d.queries(), static_cast<std::size_t>(full));  // never more than every proper subset
  }
}

// A monotone oracle (flips once it holds k of the "needed" hunks): 1-minimal is then exactly k of them.
TEST(TextDdmin, MonotoneOracleFindsTheSmallest) {
  const std::size_t n = 8;
  const Subset needed = {1, 4, 6};
  for (std::size_t k = 1; k <= needed.size(); ++k) {
    const auto d = run_ddmin(n, 1000, [&](const Subset& s) {
      std::size_t have = 0;
      for (auto i : s) have += std::find(needed.begin(), needed.end(), i) != needed.end();
      return have >= k;
    });
    EXPECT_EQ(d.result().size(), k);
    for (auto i : d.result()) EXPECT_NE(std::find(needed.begin(), needed.end(), i), needed.end());
  }
}

TEST(TextDdmin, BudgetCensors) {
  const auto d = run_ddmin(16, 3, [](const Subset& s) { return s.size() == 16; });
  EXPECT_TRUE(d.censored());
  EXPECT_LE(d.queries(), 3u);
  EXPECT_EQ(d.result().size(), 16u);  // nothing smaller was found to flip
  const auto one = run_ddmin(1, 0, [](const Subset&) { return true; });
  EXPECT_FALSE(one.censored());  // a single hunk needs no query
  EXPECT_EQ(one.queries(), 0u);
}

}  // namespace
}  // namespace sceval::text
