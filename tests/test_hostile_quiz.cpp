// Gower-quiz files: a repeated or empty letter is refused (an answer could not say which candidate
// it means), and a field of the wrong type is named, not shown as the JSON library's exception.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "error_helpers.h"
#include "experiment/gower_quiz.h"

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

TEST(HostileQuiz, ThePaperQuizLoads) { EXPECT_EQ(load_error(paper_quiz()), "(no error)"); }

TEST(HostileQuiz, RepeatedOrEmptyLettersAreRefused) {
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

TEST(HostileQuiz, WrongTypesAreNamedByField) {
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
