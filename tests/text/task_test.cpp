// Text task files and items files that must be refused when they load, each with a message naming
// the file and the field or line (fixtures in tests/data/text/refused/).
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
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
       }) {
    const std::string got = refusal(c.file);
    EXPECT_NE(got.find(c.message), std::string::npos) << c.file << ": " << got;
  }
}

TEST(TextTaskFile, TheFixturesLoadOnceMended) {
  // The same items without the bad rows load: the refusals above are about those rows alone.
  EXPECT_EQ(read_items(kDir + "items.jsonl").size(), 2u);
}

}  // namespace
}  // namespace sceval::text
