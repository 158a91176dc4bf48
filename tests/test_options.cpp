// The run options (include/sceval/options.h): every row of the table is bound to one typed field of
// Options, whose initial value is the row's default; setting by name writes the field, reading by
// name reads it, and results.json's settings are the fields' values.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "error_helpers.h"
#include "sceval/options.h"

using namespace sceval;
using sceval::testing::error_of;

namespace {

// A value of the option's type other than its default, within its bounds.
nlohmann::json another_value(const OptionSpec& o) {
  switch (o.type) {
    case OptionType::Flag:
      return !o.default_value.get<bool>();
    case OptionType::Integer: {
      const std::int64_t d = o.default_value.is_null() ? 0 : o.default_value.get<std::int64_t>();
      const std::int64_t v = d + 1 <= o.max ? d + 1 : d - 1;
      return v < o.min ? static_cast<std::int64_t>(o.min) : v;
    }
    case OptionType::Number:
      return o.default_value.get<double>() + 0.5;
    case OptionType::Text:
      return "a text of " + o.name;
    case OptionType::Choice:
      for (const auto& c : o.choices)
        if (c != o.default_value) return c;
  }
  return nullptr;
}

}  // namespace

TEST(Options, EveryRowIsBoundToAFieldWhoseInitialValueIsItsDefault) {
  const Options fresh;
  for (const auto& o : option_table()) {
    ASSERT_TRUE(o.read && o.write) << o.name;
    EXPECT_EQ(o.read(fresh), o.default_value) << o.name;
    EXPECT_EQ(fresh.get(o.name), o.default_value) << o.name;
  }
}

TEST(Options, EachRowWritesItsOwnFieldAndNoOther) {
  for (const auto& o : option_table()) {
    Options opts;
    const nlohmann::json v = another_value(o);
    opts.set(o.name, v);
    EXPECT_EQ(opts.get(o.name), v) << o.name;
    EXPECT_TRUE(opts.has(o.name)) << o.name;
    for (const auto& other : option_table()) {  // two rows bound to one field would show here
      if (other.name != o.name) {
        EXPECT_EQ(opts.get(other.name), other.default_value) << o.name << " wrote " << other.name;
      }
    }
    opts.set(o.name, nullptr);  // back to the default
    EXPECT_EQ(opts.get(o.name), o.default_value) << o.name;
    EXPECT_FALSE(opts.has(o.name)) << o.name;
  }
}

TEST(Options, TypedFieldsAndNamesAreTheSameValues) {
  Options o;
  o.set_text("max-tokens", "77").set("limit", 5).set_text("decision_map", "lazy").set("system", "be brief");
  EXPECT_EQ(o.max_tokens, 77);
  EXPECT_EQ(o.limit, 5);
  EXPECT_EQ(o.decision_map, "lazy");
  EXPECT_EQ(o.system, "be brief");
  o.temperature = 0.25;  // a field set in code is what the table reads
  EXPECT_EQ(o.get("temperature"), 0.25);
  EXPECT_EQ(o.given(),
            (nlohmann::json{{"decision_map", "lazy"}, {"limit", 5}, {"max_tokens", 77}, {"system", "be brief"}}));
}

TEST(Options, SettingsRecordEveryRecordedOptionAndNoCacheOrOutputOption) {
  Options o;
  o.cache = "/tmp/x.sqlite";
  o.limit = 3;
  const nlohmann::json s = o.to_json();
  EXPECT_EQ(s["limit"], 3);
  EXPECT_TRUE(s.contains("max_tokens") && s["max_tokens"] == kPaperMaxTokens);
  for (const char* unrecorded : {"cache", "no_cache", "refresh", "quiet", "log_level", "overwrite"})
    EXPECT_FALSE(s.contains(unrecorded)) << unrecorded;
}

TEST(Options, SharedDefaultsAreWrittenOnce) {
  EXPECT_EQ(option_spec("bootstrap").default_value, kDefaultBootstrap);
  EXPECT_EQ(option_spec("seed").default_value, kDefaultSeed);
  EXPECT_EQ(option_spec("gen_seed").default_value, kPaperGenerationSeed);
  // A command's own flag is bound to no field and has no run-option default.
  EXPECT_FALSE(option_spec("items").read);
  EXPECT_TRUE(error_of([] { Options().set("items", 5); }).find("unknown option") != std::string::npos);
}
