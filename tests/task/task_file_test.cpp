// Hostile input, the task reader: names that become paths, reserved column names, reserved options,
// unknown and duplicate keys, misplaced fields, case-only level differences, numeric overflow.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "error_helpers.h"
#include "experiment/sweep.h"
#include "parse/sce.h"
#include "parse/unicode.h"
#include "task/level_text.h"
#include "task/registry.h"
#include "task/task.h"

namespace sceval {
namespace {

using nlohmann::json;
using sceval::testing::has;

json toy() {
  return parse_json_bounded(read_file_text(std::string(SCEVAL_SOURCE_DIR) + "/tasks/toy/toy_income.json"), "toy");
}

std::string parse_error(const json& j) {
  try {
    task::parse_task(j, "t.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(TaskFile, TheBundledTasksStillLoad) {
  const auto all = task::list_tasks();
  ASSERT_GT(all.size(), 100u);
  for (const auto& e : all) EXPECT_NO_THROW(task::resolve_task(e.name)) << e.name;
}

TEST(TaskFile, NamesAreSafeFileNames) {
  for (const char* bad : {"../evil", "a/b", "..", ".", "", "a b", "x\\y"}) {
    json j = toy();
    j["name"] = bad;
    EXPECT_TRUE(has(parse_error(j), "t.json: name:")) << bad << ": " << parse_error(j);
  }
  json j = toy();
  j["name"] = "ok-name_1.v2";
  EXPECT_EQ(parse_error(j), "(accepted)");
}

TEST(TaskFile, ReservedFeatureNames) {
  for (const char* bad : {"index", "label", "target", "p_below", "p_x", "orig_age", "sce_age"}) {
    json j = toy();
    j["features"][0]["name"] = bad;
    EXPECT_TRUE(has(parse_error(j), "t.json: features[0].name:")) << bad << ": " << parse_error(j);
    EXPECT_TRUE(has(parse_error(j), "reserved")) << parse_error(j);
  }
}

TEST(TaskFile, ReservedOptions) {
  for (const char* bad : {"NA", "off_label"}) {
    json j = toy();
    j["options"][1] = bad;
    EXPECT_TRUE(has(parse_error(j), "t.json: options: \"" + std::string(bad) + "\" is reserved")) << parse_error(j);
  }
}

TEST(TaskFile, UnknownKeysAreErrors) {
  json j = toy();
  j["answer_keys"] = "answer";  // a typo of answer_key
  EXPECT_TRUE(has(parse_error(j), "t.json: answer_keys: unknown field")) << parse_error(j);
  j = toy();
  j["features"][0]["wieght"] = 2;
  EXPECT_TRUE(has(parse_error(j), "t.json: features[0].wieght: unknown field")) << parse_error(j);
}

TEST(TaskFile, DuplicateJsonKeysInAFile) {
  char tmpl[] = "/tmp/sceval-task-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::string dir = tmpl, path = dir + "/dup.json";
  std::string text = toy().dump(1);
  text.insert(text.find('{') + 1, "\"name\": \"first\",\n");  // a second top-level "name"
  std::ofstream(path) << text;
  try {
    task::load_task_file(path);
    ADD_FAILURE() << "a duplicate key was accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(has(e.what(), path + ": duplicate key \"name\"")) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(TaskFile, FieldsOfAnotherFeatureType) {
  json j = toy();
  ASSERT_EQ(j["features"][0]["type"], "integer");
  j["features"][0]["grade_fallback"] = {{"min", 1}, {"max", 12}, {"offset", 3}};
  EXPECT_TRUE(has(parse_error(j), "t.json: features[0].grade_fallback: applies only to ordinal")) << parse_error(j);
}

TEST(TaskFile, AnswerKeyIsRequired) {
  json j = toy();
  j.erase("answer_key");
  EXPECT_TRUE(has(parse_error(j), "t.json: answer_key: missing required field")) << parse_error(j);
}

TEST(TaskFile, LevelsMustDifferInMoreThanCase) {
  json j = parse_json_bounded(read_file_text(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/income.json"), "income");
  json& f = j["features"][1];
  ASSERT_EQ(f["type"], "ordinal");
  EXPECT_EQ(parse_error(j), "(accepted)");
  std::string upper = f["levels"][0]["text"];
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_NE(upper, f["levels"][0]["text"]);
  f["levels"][1]["text"] = upper;
  EXPECT_TRUE(has(parse_error(j), "t.json: features[1].levels[1].text:")) << parse_error(j);
  EXPECT_TRUE(has(parse_error(j), "more than case")) << parse_error(j);
}

// An empty CSV cell means "missing", so a level written as "" could never be read back: SCEs that
// named it were scored as missing (the audit saw strict validity 40 % where "red" gave 60 %).
TEST(TaskFile, LevelTextsAreNotEmpty) {
  json j = parse_json_bounded(read_file_text(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/income.json"), "income");
  j["features"][1]["levels"][2]["text"] = "";
  EXPECT_TRUE(has(parse_error(j), "t.json: features[1].levels[2].text: must not be empty")) << parse_error(j);
}

// Weights: 0 leaves a feature out, but not every feature; others stay within 10^-6..10^6, where
// Gower sums cannot underflow (5e-324 made every distance 0 and the median RCF infinite).
TEST(TaskFile, WeightsKeepDistancesDefined) {
  json j = toy();
  ASSERT_EQ(j["features"].size(), 2u);
  j["features"][0]["weight"] = 0;
  EXPECT_EQ(parse_error(j), "(accepted)");
  j["features"][1]["weight"] = 0;
  EXPECT_TRUE(has(parse_error(j), "t.json: features: every weight is 0")) << parse_error(j);
  for (double ok : {1e-6, 0.5, 1e6}) {
    j["features"][1]["weight"] = ok;
    EXPECT_EQ(parse_error(j), "(accepted)") << ok;
  }
  for (double bad : {5e-324, 9.9e-7, 1.1e6, -1.0}) {
    j["features"][1]["weight"] = bad;
    EXPECT_TRUE(has(parse_error(j), "t.json: features[1].weight: must be 0 or a number from 1e-06 to 1000000"))
        << parse_error(j);
  }
}

// The name is part of sweep cells' folder names (alias__task_shard): at most 100 bytes.
TEST(TaskFile, NamesHaveABoundedLength) {
  json j = toy();
  j["name"] = std::string(100, 'n');
  EXPECT_EQ(parse_error(j), "(accepted)");
  j["name"] = std::string(5000, 'n');
  EXPECT_TRUE(has(parse_error(j), "t.json: name: 5000 bytes long, at most 100")) << parse_error(j);
}

TEST(TaskFile, IntegerRangesThatOverflow) {
  json j = toy();
  j["features"][0]["start"] = std::numeric_limits<std::int64_t>::min();
  j["features"][0]["stop"] = std::numeric_limits<std::int64_t>::max();
  j["features"][0]["step"] = 1;
  EXPECT_TRUE(has(parse_error(j), "t.json: features[0].start:")) << parse_error(j);  // beyond 2^53
  j["features"][0]["start"] = -(std::int64_t{1} << 53);
  j["features"][0]["stop"] = std::int64_t{1} << 53;
  EXPECT_TRUE(has(parse_error(j), "t.json: features[0].stop:")) << parse_error(j);  // 2^54 values
  j["features"][0]["step"] = 3;
  EXPECT_TRUE(has(parse_error(j), "not reachable")) << parse_error(j);
  j["features"][0]["step"] = std::int64_t{1} << 50;  // 17 values from -2^53 to 2^53
  EXPECT_EQ(parse_error(j), "(accepted)");
  j["features"][0]["weight"] = 1e308 * 10;  // inf
  EXPECT_TRUE(has(parse_error(j), "features[0]")) << parse_error(j);
}

std::string resolve_error(const std::string& name_or_path) {
  try {
    task::resolve_task(name_or_path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(TaskFile, ADirectoryOrDeviceGivenAsTheTaskSaysWhatItIs) {
  char tmpl[] = "/tmp/sceval-task-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::string dir = tmpl;
  EXPECT_EQ(resolve_error(dir), dir + ": is a directory, expected a task file");
  EXPECT_EQ(resolve_error("/dev/zero"),
            "/dev/zero: not a regular file (a device, pipe or socket), expected a task file");
  EXPECT_TRUE(has(resolve_error(dir + "/none"), "unknown task '" + dir + "/none': no such file"))
      << resolve_error(dir + "/none");
  EXPECT_EQ(resolve_error("toy_income"), "(accepted)");
  std::filesystem::remove_all(dir);
}

TEST(TaskFile, AUtf16TaskFileSaysSo) {
  char tmpl[] = "/tmp/sceval-task-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::string dir = tmpl, path = dir + "/toy_utf16.json";
  std::string utf16 = "\xFF\xFE";  // UTF-16LE as Windows editors save it: a byte-order mark, two bytes a character
  for (char c : toy().dump(1)) utf16 += c, utf16 += '\0';
  std::ofstream(path, std::ios::binary) << utf16;
  EXPECT_EQ(resolve_error(path), path + ": the file is UTF-16; save it as UTF-8");
  std::filesystem::remove_all(dir);
}

TEST(TaskFile, SweepCellsStayInsideTheSweep) {
  experiment::Cell c{"gpt", {"../../etc", "../../etc"}};
  EXPECT_THROW(experiment::cell_dir("out", c), Error);
  experiment::Cell ok{"gpt", {"income", "income"}};
  EXPECT_EQ(experiment::cell_dir("out", ok), "out/gpt__income");
}

// Hostile task files: level texts that answers cannot tell apart, and NUL bytes, are refused at
// load (naming the file, the feature and both levels), before any model is asked.

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
TEST(TaskLevelText, AnswerFormIsTheParsersNormalisation) {
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

TEST(TaskLevelText, LevelsThatReadAlikeAreRefusedNamingBoth) {
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
TEST(TaskLevelText, ALevelWithoutLettersOrDigitsIsRefused) {
  for (const char* text : {"\xF0\x9F\x98\x80!", "\xF0\x9F\x98\xA2", "++"}) {
    json j = income();
    j["features"][1]["levels"][2]["text"] = text;
    const std::string e = load_error(j);
    EXPECT_TRUE(has(e, "t.json: features[1].levels[2].text:")) << e;
    EXPECT_TRUE(has(e, "no letter a-z or digit")) << e;
  }
}

TEST(TaskLevelText, DistinctLevelsStillLoad) {
  json j = income();
  j["features"][1]["levels"][0]["text"] = "A+";
  j["features"][1]["levels"][2]["text"] = "A";  // "a" and "a": refused ...
  EXPECT_NE(load_error(j), "(no error)");
  j["features"][1]["levels"][2]["text"] = "A plus";  // ... "a" and "a plus": two answers
  EXPECT_EQ(load_error(j), "(no error)");
}

// A NUL byte anywhere (a level, a prompt, an option, a key) is refused at load, naming where.
TEST(TaskLevelText, NulBytesAreRefusedAtLoad) {
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
