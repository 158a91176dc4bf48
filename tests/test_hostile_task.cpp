// Hostile task files: level texts that answers cannot tell apart, and NUL bytes, are refused at
// load (naming the file, the feature and both levels), before any model is asked.
#include <gtest/gtest.h>

#include <cstdint>

#include "common/file.h"
#include "common/json_bounded.h"
#include "error_helpers.h"
#include "parse/sce.h"
#include "parse/unicode.h"
#include "task/level_text.h"
#include "task/task.h"

namespace sceval {
namespace {

using nlohmann::json;
using sceval::testing::error_of;
using sceval::testing::has;

json income() {
  return parse_json_bounded(read_file_text(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/income.json"), "income");
}

std::string load_error(const json& j) {
  return error_of([&] { task::parse_task(j, "t.json"); });
}

// The task reader's restatement of the paper's _normalize must be the parser's, or a level the
// reader let through could still be unreadable: every code point, alone and between letters.
TEST(HostileTask, AnswerFormIsTheParsersNormalisation) {
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    // Built with append, not operator+: gcc 12 warns falsely (-Wrestrict) about the latter here.
    std::u32string between = U"a";
    between.append(1, c).append(U"b");
    for (const std::u32string& s : {std::u32string(1, c), between}) {
      const std::string utf8 = parse::unicode::encode_utf8(s);
      ASSERT_EQ(task::answer_form(utf8), parse::normalize_level_text(utf8))
          << "U+" << std::hex << static_cast<std::uint32_t>(c);
    }
  }
  for (const char* s : {"Bachelor's degree", "  Self--employed ", "A+", "\xC4\xB0stanbul",
                        "\xE2\x84\xAA"
                        "elvin"})
    EXPECT_EQ(task::answer_form(s), parse::normalize_level_text(s)) << s;
}

TEST(HostileTask, LevelsThatReadAlikeAreRefusedNamingBoth) {
  const std::pair<const char*, const char*> alike[] = {{"A+", "A-"},
                                                       {"Self-employed", "Self employed"},
                                                       {"Bachelor's", "bachelors"},
                                                       {"\xF0\x9F\x98\x80 A", "A \xF0\x9F\x98\xA2"}};
  for (const auto& [first, second] : alike) {
    json j = income();
    json& f = j["features"][1];
    f["levels"][0]["text"] = first;
    f["levels"][2]["text"] = second;
    const std::string e = load_error(j);
    EXPECT_TRUE(has(e, "t.json: features[1].levels[")) << e;
    EXPECT_TRUE(has(e, std::string("\"") + first + "\"")) << e;
    EXPECT_TRUE(has(e, std::string("\"") + second + "\"")) << e;
    EXPECT_TRUE(has(e, "feature \"" + f["name"].get<std::string>() + "\"")) << e;
  }
}

// A level of emoji alone: every reply without a letter or digit ("?!") would be read as it (and
// two such levels as each other).
TEST(HostileTask, ALevelWithoutLettersOrDigitsIsRefused) {
  for (const char* text : {"\xF0\x9F\x98\x80!", "\xF0\x9F\x98\xA2", "++"}) {
    json j = income();
    j["features"][1]["levels"][2]["text"] = text;
    const std::string e = load_error(j);
    EXPECT_TRUE(has(e, "t.json: features[1].levels[2].text:")) << e;
    EXPECT_TRUE(has(e, "no letter a-z or digit")) << e;
  }
}

TEST(HostileTask, DistinctLevelsStillLoad) {
  json j = income();
  j["features"][1]["levels"][0]["text"] = "A+";
  j["features"][1]["levels"][2]["text"] = "A";  // "a" and "a": refused ...
  EXPECT_NE(load_error(j), "(no error)");
  j["features"][1]["levels"][2]["text"] = "A plus";  // ... "a" and "a plus": two answers
  EXPECT_EQ(load_error(j), "(no error)");
}

// A NUL byte anywhere (a level, a prompt, an option, a key) is refused at load, naming where.
TEST(HostileTask, NulBytesAreRefusedAtLoad) {
  const std::string nul("x\0y", 3);
  json j = income();
  j["features"][1]["levels"][2]["text"] = nul;
  EXPECT_TRUE(has(load_error(j), "t.json: features[1].levels[2].text: contains a NUL byte")) << load_error(j);
  j = income();
  j["prompt"] = j["prompt"].get<std::string>() + nul;
  EXPECT_TRUE(has(load_error(j), "t.json: prompt: contains a NUL byte")) << load_error(j);
  j = income();
  j["options"][0] = nul;
  EXPECT_TRUE(has(load_error(j), "t.json: options[0]: contains a NUL byte")) << load_error(j);
  j = income();
  j["source"] = json{{nul, 1}};
  EXPECT_TRUE(has(load_error(j), "t.json: source.(a key): contains a NUL byte")) << load_error(j);
}

}  // namespace
}  // namespace sceval
