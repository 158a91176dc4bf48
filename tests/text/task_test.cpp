// Text task files and items files that must be refused when they load, each with a message naming
// the file and the field or line (fixtures in tests/data/text/refused/).
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "scratch_dir.h"
#include "task/task.h"
#include "text/text_task.h"

namespace sceval::text {
namespace {

const std::string kDir = std::string(SCEVAL_TEST_DATA) + "/text/refused/";

std::string refusal(const std::string& file) {
  try {
    load_text_task(kDir + file);
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(TextTaskFile, RefusedWithTheFileAndTheReason) {
  struct Case {
    std::string file, message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"unknown_field.json", "unknown_field.json: unknown field \"promt\""},
           {"prompt_without_text.json", "prompt_without_text.json: field \"prompt\" never shows the item"},
           {"empty_option.json", "empty_option.json: options[1] is empty"},
           {"blank_text.json", "blank_text.jsonl:3: item \"b\" has an empty text"},
           {"not_utf8.json", "not_utf8.csv:3, column 'text': not UTF-8 text"},
           {"tsv_items.json", "items.tsv: an items file is JSON Lines (.jsonl) or CSV (.csv), not \".tsv\""},
       }) {
    const std::string got = refusal(c.file);
    EXPECT_NE(got.find(c.message), std::string::npos) << c.file << ": " << got;
  }
}

TEST(TextTaskFile, AMisspelledInputIsNamed) {
  // Read as a grid task it failed on another field ("answer_format: unknown field").
  try {
    task::load_task_file(kDir + "input_misspelled.json");
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input_misspelled.json: input: expected \"text\""), std::string::npos)
        << e.what();
  }
}

TEST(TextTaskFile, AnItemTooLongToDiffIsRefused) {
  testing::ScratchDir dir;
  const std::string item = "{\"id\": \"a\", \"text\": \"" + std::string(100'001, 'x') + "\"}\n";
  const std::string path = dir.write("long.jsonl", item);
  try {
    read_items(path);
    FAIL() << "read";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("long.jsonl:1: item \"a\" has 100001 bytes of text; items hold at most 100000"),
        std::string::npos)
        << e.what();
  }
  EXPECT_EQ(
      read_items(dir.write("ok.jsonl", "{\"id\": \"a\", \"text\": \"" + std::string(100'000, 'x') + "\"}\n")).size(),
      1u);
}

TEST(TextTaskFile, TheFixturesLoadOnceMended) {
  // The same items without the bad rows load: the refusals above are about those rows alone.
  EXPECT_EQ(read_items(kDir + "items.jsonl").size(), 2u);
}

}  // namespace
}  // namespace sceval::text
