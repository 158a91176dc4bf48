// Hostile input, the task reader: names that become paths, reserved column names, reserved options,
// unknown and duplicate keys, misplaced fields, case-only level differences, numeric overflow.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "experiment/sweep.h"
#include "task/registry.h"
#include "task/task.h"

namespace sceval {
namespace {

using nlohmann::json;

json toy() {
  return parse_json_bounded(read_file_text(std::string(SCEVAL_SOURCE_DIR) + "/tasks/toy/toy_income.json"), "toy");
}

std::string error_of(const json& j) {
  try {
    task::parse_task(j, "t.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(HardeningTask, TheBundledTasksStillLoad) {
  const auto all = task::list_tasks();
  ASSERT_GT(all.size(), 100u);
  for (const auto& e : all) EXPECT_NO_THROW(task::resolve_task(e.name)) << e.name;
}

TEST(HardeningTask, NamesAreSafeFileNames) {
  for (const char* bad : {"../evil", "a/b", "..", ".", "", "a b", "x\\y"}) {
    json j = toy();
    j["name"] = bad;
    EXPECT_TRUE(has(error_of(j), "t.json: name:")) << bad << ": " << error_of(j);
  }
  json j = toy();
  j["name"] = "ok-name_1.v2";
  EXPECT_EQ(error_of(j), "(accepted)");
}

TEST(HardeningTask, ReservedFeatureNames) {
  for (const char* bad : {"index", "label", "target", "p_below", "p_x", "orig_age", "sce_age"}) {
    json j = toy();
    j["features"][0]["name"] = bad;
    EXPECT_TRUE(has(error_of(j), "t.json: features[0].name:")) << bad << ": " << error_of(j);
    EXPECT_TRUE(has(error_of(j), "reserved")) << error_of(j);
  }
}

TEST(HardeningTask, ReservedOptions) {
  for (const char* bad : {"NA", "off_label"}) {
    json j = toy();
    j["options"][1] = bad;
    EXPECT_TRUE(has(error_of(j), "t.json: options: \"" + std::string(bad) + "\" is reserved")) << error_of(j);
  }
}

TEST(HardeningTask, UnknownKeysAreErrors) {
  json j = toy();
  j["answer_keys"] = "answer";  // a typo of answer_key
  EXPECT_TRUE(has(error_of(j), "t.json: answer_keys: unknown field")) << error_of(j);
  j = toy();
  j["features"][0]["wieght"] = 2;
  EXPECT_TRUE(has(error_of(j), "t.json: features[0].wieght: unknown field")) << error_of(j);
}

TEST(HardeningTask, DuplicateJsonKeysInAFile) {
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

TEST(HardeningTask, FieldsOfAnotherFeatureKind) {
  json j = toy();
  ASSERT_EQ(j["features"][0]["type"], "integer");
  j["features"][0]["grade_fallback"] = {{"min", 1}, {"max", 12}, {"offset", 3}};
  EXPECT_TRUE(has(error_of(j), "t.json: features[0].grade_fallback: applies only to ordinal")) << error_of(j);
}

TEST(HardeningTask, AnswerKeyIsRequired) {
  json j = toy();
  j.erase("answer_key");
  EXPECT_TRUE(has(error_of(j), "t.json: answer_key: missing required field")) << error_of(j);
}

TEST(HardeningTask, LevelsMustDifferInMoreThanCase) {
  json j = parse_json_bounded(read_file_text(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/income.json"), "income");
  json& f = j["features"][1];
  ASSERT_EQ(f["type"], "ordinal");
  EXPECT_EQ(error_of(j), "(accepted)");
  std::string upper = f["levels"][0]["text"];
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_NE(upper, f["levels"][0]["text"]);
  f["levels"][1]["text"] = upper;
  EXPECT_TRUE(has(error_of(j), "t.json: features[1].levels[1].text:")) << error_of(j);
  EXPECT_TRUE(has(error_of(j), "more than case")) << error_of(j);
}

// An empty CSV cell means "missing", so a level written as "" could never be read back: SCEs that
// named it were scored as missing (the audit saw strict validity 40 % where "red" gave 60 %).
TEST(HardeningTask, LevelTextsAreNotEmpty) {
  json j = parse_json_bounded(read_file_text(std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/income.json"), "income");
  j["features"][1]["levels"][2]["text"] = "";
  EXPECT_TRUE(has(error_of(j), "t.json: features[1].levels[2].text: must not be empty")) << error_of(j);
}

// Weights: 0 leaves a feature out, but not every feature; others stay within 10^-6..10^6, where
// Gower sums cannot underflow (5e-324 made every distance 0 and the median RCF infinite).
TEST(HardeningTask, WeightsKeepDistancesDefined) {
  json j = toy();
  ASSERT_EQ(j["features"].size(), 2u);
  j["features"][0]["weight"] = 0;
  EXPECT_EQ(error_of(j), "(accepted)");
  j["features"][1]["weight"] = 0;
  EXPECT_TRUE(has(error_of(j), "t.json: features: every weight is 0")) << error_of(j);
  for (double ok : {1e-6, 0.5, 1e6}) {
    j["features"][1]["weight"] = ok;
    EXPECT_EQ(error_of(j), "(accepted)") << ok;
  }
  for (double bad : {5e-324, 9.9e-7, 1.1e6, -1.0}) {
    j["features"][1]["weight"] = bad;
    EXPECT_TRUE(has(error_of(j), "t.json: features[1].weight: must be 0 or a number from 1e-06 to 1000000"))
        << error_of(j);
  }
}

// The name is part of sweep cells' folder names (alias__task_shard): at most 100 bytes.
TEST(HardeningTask, NamesHaveABoundedLength) {
  json j = toy();
  j["name"] = std::string(100, 'n');
  EXPECT_EQ(error_of(j), "(accepted)");
  j["name"] = std::string(5000, 'n');
  EXPECT_TRUE(has(error_of(j), "t.json: name: 5000 bytes long, at most 100")) << error_of(j);
}

TEST(HardeningTask, IntegerRangesThatOverflow) {
  json j = toy();
  j["features"][0]["start"] = std::numeric_limits<std::int64_t>::min();
  j["features"][0]["stop"] = std::numeric_limits<std::int64_t>::max();
  j["features"][0]["step"] = 1;
  EXPECT_TRUE(has(error_of(j), "t.json: features[0].start:")) << error_of(j);  // beyond 2^53
  j["features"][0]["start"] = -(std::int64_t{1} << 53);
  j["features"][0]["stop"] = std::int64_t{1} << 53;
  EXPECT_TRUE(has(error_of(j), "t.json: features[0].stop:")) << error_of(j);  // 2^54 values
  j["features"][0]["step"] = 3;
  EXPECT_TRUE(has(error_of(j), "not reachable")) << error_of(j);
  j["features"][0]["step"] = std::int64_t{1} << 50;  // 17 values from -2^53 to 2^53
  EXPECT_EQ(error_of(j), "(accepted)");
  j["features"][0]["weight"] = 1e308 * 10;  // inf
  EXPECT_TRUE(has(error_of(j), "features[0]")) << error_of(j);
}

std::string resolve_error(const std::string& name_or_path) {
  try {
    task::resolve_task(name_or_path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(HardeningTask, ADirectoryOrDeviceGivenAsTheTaskSaysWhatItIs) {
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

TEST(HardeningTask, AUtf16TaskFileSaysSo) {
  char tmpl[] = "/tmp/sceval-task-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::string dir = tmpl, path = dir + "/toy_utf16.json";
  std::string utf16 = "\xFF\xFE";  // UTF-16LE as Windows editors save it: a byte-order mark, two bytes a character
  for (char c : toy().dump(1)) utf16 += c, utf16 += '\0';
  std::ofstream(path, std::ios::binary) << utf16;
  EXPECT_EQ(resolve_error(path), path + ": the file is UTF-16; save it as UTF-8");
  std::filesystem::remove_all(dir);
}

TEST(HardeningTask, SweepCellsStayInsideTheSweep) {
  experiment::Cell c{"gpt", {"../../etc", "../../etc"}};
  EXPECT_THROW(experiment::cell_dir("out", c), Error);
  experiment::Cell ok{"gpt", {"income", "income"}};
  EXPECT_EQ(experiment::cell_dir("out", ok), "out/gpt__income");
}

}  // namespace
}  // namespace sceval
