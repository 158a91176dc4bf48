// Stop strings (GenerateOptions::stop): where a reply ends, as every backend applies it.
#include <gtest/gtest.h>

#include "llm/backend.h"

namespace sceval::llm {
namespace {

constexpr auto npos = std::string::npos;

TEST(StopStrings, FirstOccurrenceOfAny) {
  EXPECT_EQ(find_stop("ab\ncd}", {"}", "\n"}), 2u);
  EXPECT_EQ(find_stop("ab}cd\n", {"}", "\n"}), 2u);
  EXPECT_EQ(find_stop("abc", {"x", "cd"}), npos);
  EXPECT_EQ(find_stop("abc", {}), npos);
  EXPECT_EQ(find_stop("a\nb\n", {"\n"}, 2), 3u);  // searched from byte 2 on
  EXPECT_EQ(find_stop("a\nb\n", {"\n"}, 99), npos);
  EXPECT_EQ(find_stop("xflip?", {"flip?"}), 1u);  // several bytes
  EXPECT_EQ(find_stop("abc", {"", "c"}), 2u);     // an empty string never matches
}

TEST(StopStrings, CutAtTheFirst) {
  std::string s = "{\"answer\": \"above\"}\nflip? {\"age\": 40}\n";
  EXPECT_TRUE(cut_at_stop(s, {"\n"}));
  EXPECT_EQ(s, "{\"answer\": \"above\"}");
  EXPECT_FALSE(cut_at_stop(s, {"\n"}));
  EXPECT_FALSE(cut_at_stop(s, {}));
  std::string t = "\nx";
  EXPECT_TRUE(cut_at_stop(t, {"\n"}));
  EXPECT_EQ(t, "");
}

}  // namespace
}  // namespace sceval::llm
