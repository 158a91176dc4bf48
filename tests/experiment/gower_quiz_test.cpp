// The Gower quiz: the paper's items and prompts, item generation against a hand-written Gower
// distance, answer parsing, the Wilson interval.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "error_helpers.h"
#include "experiment/gower_quiz.h"
#include "task/task.h"

using namespace sceval;

namespace {

task::Task paper_task(const std::string& name) {
  return task::load_task_file(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/" + name + ".json");
}

experiment::QuizFile bundled_quiz() {
  return experiment::load_quiz(std::string(SCEVAL_SOURCE_DIR) + "/tasks/quiz/gower.quiz");
}

// Gower as its definition reads (the prompt's paragraph): per feature |a - b| / range of the
// feature's values (categorical: 0 if equal, else 1), averaged over features.
double hand_gower(const grid::Grid& g, grid::Index x, grid::Index y) {
  double sum = 0;
  for (std::size_t j = 0; j < g.dims(); ++j) {
    const auto& f = g.feature(j);
    const double a = static_cast<double>(f.code(g.position(x, j))), b = static_cast<double>(f.code(g.position(y, j)));
    if (f.type == task::FeatureType::Categorical) {
      sum += a != b;
      continue;
    }
    double lo = a, hi = a;
    for (std::size_t p = 0; p < f.size(); ++p)
      lo = std::min(lo, static_cast<double>(f.code(p))), hi = std::max(hi, static_cast<double>(f.code(p)));
    sum += std::abs(a - b) / (hi - lo);
  }
  return sum / static_cast<double>(g.dims());
}

nlohmann::json paper_items() {
  std::ifstream in(std::string(SCEVAL_TEST_DATA) + "/gower_quiz_paper_items.json");
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(GowerQuiz, PaperItemsPromptsByteForByte) {
  auto t = paper_task("house_prices");
  grid::Grid g(t);
  auto q = bundled_quiz();
  const auto items = paper_items()["items"];
  ASSERT_EQ(items.size(), 5u);
  for (const auto& it : items) {
    experiment::QuizItem item;
    item.start = it["start_id"].get<grid::Index>();
    for (const char* letter : {"A", "B", "C", "D"})
      item.candidates.push_back(it["start_ids"][letter].get<grid::Index>());
    EXPECT_EQ(experiment::quiz_prompt(q, t, g, item), it["prompt_complete"].get<std::string>()) << it["start_id"];
    // The hand-written Gower agrees with the paper's (float32, gower package) distances.
    std::size_t best = 0;
    for (std::size_t c = 0; c < 4; ++c) {
      const double d = hand_gower(g, item.start, item.candidates[c]);
      EXPECT_NEAR(d, it["distances"][c].get<double>(), 1e-6);
      if (d < hand_gower(g, item.start, item.candidates[best])) best = c;
    }
    EXPECT_EQ(q.letters[best], it["answer"].get<std::string>());
  }
}

TEST(GowerQuiz, ItemsHaveNoTiesAndTheAnswerIsTheClosest) {
  for (const char* name : {"house_prices", "heart_disease", "income"}) {
    auto t = paper_task(name);
    grid::Grid g(t);
    const std::size_t draws = 400;
    auto items = experiment::quiz_items(g, draws, 4, 7);
    EXPECT_GT(items.size(), draws / 2) << name;
    for (const auto& it : items) {
      ASSERT_EQ(it.candidates.size(), 4u);
      std::vector<double> d;
      for (auto c : it.candidates) {
        EXPECT_NE(c, it.start);
        d.push_back(hand_gower(g, it.start, c));
      }
      for (std::size_t a = 0; a < 4; ++a) {
        EXPECT_NEAR(it.distances[a], d[a], 1e-12) << name;
        for (std::size_t b = a + 1; b < 4; ++b) {
          EXPECT_NE(it.candidates[a], it.candidates[b]);
          EXPECT_GT(std::abs(d[a] - d[b]), 1e-9) << name << ": a tie was kept";
        }
      }
      EXPECT_EQ(it.answer, static_cast<std::size_t>(std::min_element(d.begin(), d.end()) - d.begin())) << name;
    }
  }
  // House prices has ties (the paper kept 977 to 991 of 1000 draws): some draws are dropped.
  const auto house_task = paper_task("house_prices");
  grid::Grid house(house_task);
  EXPECT_LT(experiment::quiz_items(house, 1000, 4, 7).size(), 1000u);
}

TEST(GowerQuiz, ItemsAreSeeded) {
  auto t = paper_task("house_prices");
  grid::Grid g(t);
  auto a = experiment::quiz_items(g, 50, 4, 3), b = experiment::quiz_items(g, 50, 4, 3),
       c = experiment::quiz_items(g, 50, 4, 4);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].candidates, b[i].candidates);
  EXPECT_NE(a.front().start, c.front().start);
}

TEST(GowerQuiz, ParsesAnswersAsThePaper) {
  const std::vector<std::string> abcd = {"A", "B", "C", "D"};
  auto parse = [&](std::string_view reply) { return experiment::parse_quiz_answer(reply, abcd); };
  EXPECT_EQ(parse(R"({"answer": "B"})").choice, 1u);
  EXPECT_EQ(parse("Distances: A 0.2, C 0.1.\n{\"answer\": \"C\"} done").choice, 2u);
  EXPECT_EQ(parse("<think>maybe {\"answer\": \"A\"}</think>{\"answer\": \"D\"}").choice, 3u);
  EXPECT_EQ(parse(R"({"answer": A})").choice, 0u);          // invalid JSON: the paper's regex fallback
  EXPECT_EQ(parse("{\"answer\" :\n \"B\", }").choice, 1u);  // trailing comma: invalid JSON, the regex finds B
  EXPECT_EQ(parse(R"({"answer": b})").status, "no_json");   // the regex wants a capital letter
  auto none = parse("The closest is B.");
  EXPECT_EQ(none.status, "no_json");
  EXPECT_EQ(none.text, "NA");
  EXPECT_FALSE(none.choice);
  EXPECT_EQ(parse(R"({"result": "A"})").status, "missing_key");
  EXPECT_EQ(parse(R"({"answer": "E"})").status, "not_a_choice");  // answered, wrong
  EXPECT_EQ(parse(R"({"answer": "a"})").status, "not_a_choice");  // exact comparison, as the paper
  auto number = parse(R"({"answer": 2})");
  EXPECT_EQ(number.status, "not_a_choice");
  EXPECT_EQ(number.text, "2");
  // The first {...} ends at the first '}': a nested object is invalid JSON, and the fallback needs a letter.
  EXPECT_EQ(parse(R"({"answer": {"letter": "B"}})").status, "no_json");
}

TEST(GowerQuiz, WilsonInterval) {
  // 8 of 10: the textbook Wilson 95% interval is [0.4902, 0.9433].
  auto [lo, hi] = experiment::wilson_interval(8, 10);
  EXPECT_NEAR(lo, 0.4902, 5e-5);
  EXPECT_NEAR(hi, 0.9433, 5e-5);
  auto [l0, h0] = experiment::wilson_interval(0, 20);  // [0, 0.1611]
  EXPECT_EQ(l0, 0.0);
  EXPECT_NEAR(h0, 0.1611, 5e-5);
  EXPECT_TRUE(std::isnan(experiment::wilson_interval(0, 0).first));
}

// Gower-quiz files: a repeated or empty letter is refused (an answer could not say which candidate
// it means), and a field of the wrong type is named, not shown as the JSON library's exception.

namespace sceval {
namespace {

using nlohmann::json;
using sceval::testing::error_of;
using sceval::testing::has;

json paper_quiz() { return json::parse(std::ifstream(std::string(SCEVAL_SOURCE_DIR) + "/tasks/quiz/gower.quiz")); }

std::string load_error(const json& q) {
  sceval::testing::ScratchDir d;
  const std::string path = d.write("q.quiz", q.dump());
  return error_of([&] { experiment::load_quiz(path); });
}

TEST(GowerQuizFile, ThePaperQuizLoads) { EXPECT_EQ(load_error(paper_quiz()), "(no error)"); }

TEST(GowerQuizFile, RepeatedOrEmptyLettersAreRefused) {
  json q = paper_quiz();
  ASSERT_GE(q["letters"].size(), 3u);
  q["letters"][2] = q["letters"][0];
  std::string e = load_error(q);
  EXPECT_TRUE(has(e, "q.quiz: field \"letters[2]\": \"" + q["letters"][0].get<std::string>() + "\" repeats letters[0]"))
      << e;
  q = paper_quiz();
  q["letters"][1] = "";
  e = load_error(q);
  EXPECT_TRUE(has(e, "q.quiz: field \"letters[1]\": must not be empty")) << e;
}

TEST(GowerQuizFile, WrongTypesAreNamedByField) {
  const std::pair<const char*, json> cases[] = {
      {"letters[1]", json{{"letters", json::array({"A", 2})}}},
      {"prompt", json{{"prompt", 7}}},
      {"letters", json{{"letters", "AB"}}},
      {"tasks.income.record", json{{"tasks", {{"income", {{"record", 1}}}}}}}};
  for (const auto& [field, patch] : cases) {
    json q = paper_quiz();
    q.merge_patch(patch);
    const std::string e = load_error(q);
    EXPECT_TRUE(has(e, std::string("q.quiz: field \"") + field + "\": expected")) << e;
    EXPECT_FALSE(has(e, "json.exception")) << e;
  }
}

}  // namespace
}  // namespace sceval
