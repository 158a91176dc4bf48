// The run options (include/sceval/options.h): every row of the table is bound to one typed field of
// Options, whose initial value is the row's default; setting by name writes the field, reading by
// name reads it, and results.json's settings are the fields' values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "api/sweep_config.h"
#include "common/error.h"
#include "error_helpers.h"
#include "experiment/output.h"
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

// Hostile input, numeric options: every numeric option is checked once, by the option table, whoever gives it
// (a flag, a sweep config, Python); a command's own numeric flags (gower-quiz --items, llm --top-p)
// by specs checked the same way. The CLI side (exit 1, nothing written) is in tests/cli/CMakeLists.txt
// (cli_option_* and cli_sweep_* tests).

using namespace sceval;

namespace {

using sceval::testing::error_of;
using sceval::testing::has;
using sceval::testing::ScratchDir;
namespace fs = std::filesystem;

}  // namespace

TEST(OptionBounds, FlagValuesOutOfRangeAreRefused) {
  Options o;
  EXPECT_EQ(error_of([&] { o.set_text("limit", "-5"); }), "--limit: -5 is out of range (1 to 2^63)");
  EXPECT_EQ(error_of([&] { o.set_text("temperature", "nan"); }), "--temperature: nan is out of range (0 to 100)");
  EXPECT_EQ(error_of([&] { o.set_text("temperature", "inf"); }), "--temperature: inf is out of range (0 to 100)");
  EXPECT_EQ(error_of([&] { o.set_text("max_tokens", "-1"); }), "--max-tokens: -1 is out of range (1 to 10000000)");
  EXPECT_EQ(error_of([&] { o.set_text("bootstrap", "-5"); }), "--bootstrap: -5 is out of range (0 to 10000000)");
  EXPECT_EQ(error_of([&] { o.set_text("limit", "18446744073709551611"); }),
            "--limit: \"18446744073709551611\" is out of range");
  EXPECT_EQ(error_of([&] { o.set_text("limit", "5x"); }), "--limit: expected a whole number, got \"5x\"");
  // JSON values (Python keyword arguments) take the same check.
  EXPECT_EQ(error_of([&] { o.set("limit", 0); }), "--limit: 0 is out of range (1 to 2^63)");
  EXPECT_EQ(error_of([&] { o.set("max_tokens", 1.5); }), "--max-tokens: expected a whole number, got 1.5");
  EXPECT_FALSE(o.has("limit") || o.has("temperature") || o.has("max_tokens") || o.has("bootstrap"));
  o.set_text("limit", "5").set_text("temperature", "0.7");
  EXPECT_EQ(o.limit, 5);
  EXPECT_DOUBLE_EQ(o.temperature, 0.7);
}

TEST(OptionBounds, CommandFlagsAreCheckedLikeTheTable) {
  // Run options that commands also take as their own flags (score --bootstrap, llm --max-tokens).
  EXPECT_EQ(error_of([] { option_spec("bootstrap").parse("-5"); }), "--bootstrap: -5 is out of range (0 to 10000000)");
  EXPECT_EQ(error_of([] { option_spec("seed").parse("-5"); }), "--seed: -5 is out of range (0 to 2^63)");
  EXPECT_EQ(error_of([] { option_spec("max_tokens").parse("-1"); }),
            "--max-tokens: -1 is out of range (1 to 10000000)");
  EXPECT_EQ(error_of([] { option_spec("temperature").parse("nan"); }), "--temperature: nan is out of range (0 to 100)");
  // A command's own flags.
  EXPECT_EQ(error_of([] { option_spec("items").parse("0"); }), "--items: 0 is out of range (1 to 1000000)");
  EXPECT_EQ(error_of([] { option_spec("candidates").parse("1"); }), "--candidates: 1 is out of range (2 to 26)");
  EXPECT_EQ(error_of([] { option_spec("top_p").parse("nan"); }), "--top-p: nan is out of range (0 to 1)");
  EXPECT_EQ(error_of([] { option_spec("top_p").parse("1.5"); }), "--top-p: 1.5 is out of range (0 to 1)");
  EXPECT_EQ(error_of([] { option_spec("index").parse("-5"); }), "--index: -5 is out of range (0 to 2^63)");
  EXPECT_EQ(error_of([] { option_spec("flash_attn").parse("2"); }), "--flash-attn: 2 is out of range (-1 to 1)");
  // A library caller's value (QuizOptions::items) with the same message.
  EXPECT_EQ(error_of([] { option_spec("items").check(std::size_t{0}); }), "--items: 0 is out of range (1 to 1000000)");
  EXPECT_EQ(option_spec("items").parse("25").get<std::size_t>(), 25u);
  // They are not run options: no sweep key, no Python run() argument, not in results.json.
  EXPECT_EQ(find_option("items"), nullptr);
  EXPECT_NE(error_of([] { Options().set("items", 5); }).find("unknown option \"items\""), std::string::npos);
  EXPECT_NE(error_of([] { option_spec("no_such_flag"); }), "(no error)");
}

TEST(OptionBounds, SweepSettingsAreCheckedByTheTable) {
  auto cell_error = [](const std::string& config, std::size_t model) {
    return error_of([&] {
      const api::SweepConfig c = api::parse_sweep_config(config, "s.json");
      api::cell_options(c, c.models.at(model), "", "s.json");
    });
  };
  const std::string models =
      R"("models": [{"alias": "a", "spec": "openai:m@http://127.0.0.1:9/v1"},
                    {"alias": "b", "spec": "openai:m@http://127.0.0.1:9/v1", "settings": {"max_tokens": -1}}],
         "tasks": ["toy_income"])";
  EXPECT_EQ(cell_error("{" + models + R"(, "settings": {"limit": -5}})", 0),
            "s.json: settings.limit: -5 is out of range (1 to 2^63)");
  EXPECT_EQ(cell_error("{" + models + R"(, "settings": {"bootstrap": -5}})", 0),
            "s.json: settings.bootstrap: -5 is out of range (0 to 10000000)");
  EXPECT_EQ(cell_error("{" + models + R"(, "settings": {"temperature": 1e9}})", 0),
            "s.json: settings.temperature: 1000000000 is out of range (0 to 100)");
  EXPECT_EQ(cell_error("{" + models + R"(, "settings": {"temperature": "nan"}})", 0),
            "s.json: settings.temperature: expected a number, got \"nan\"");
  // A model's own settings name the model by its place in the list.
  EXPECT_EQ(cell_error("{" + models + "}", 1),
            "s.json: models[1].settings.max_tokens: -1 is out of range (1 to 10000000)");
  EXPECT_EQ(cell_error("{" + models + "}", 0), "(no error)");
}

// A setting given twice is refused, not decided silently by whichever comes last.
TEST(OptionBounds, SettingsGivenTwiceAreRefused) {
  const std::string twice = error_of([] {
    Options().update({{"max_tokens", 5}, {"max-tokens", 7}}, "s.json: settings");
  });
  EXPECT_TRUE(has(twice, "s.json: settings.max_tokens: the same option as \"max-tokens\"")) << twice;
  EXPECT_EQ(error_of([] { Options().update({{"max_tokens", 5}, {"limit", 7}}, "s.json: settings"); }), "(no error)");
  // A model spec's settings: tests/cli/CMakeLists.txt, cli_sweep_spec_setting_twice (parse_model_spec
  // is in sceval_http_tests' library).
}

// What a sweep cell needs is checked before the sweep folder exists.
TEST(OptionBounds, SweepCellFolderNamesFitNameMax) {
  EXPECT_EQ(error_of([] { api::check_cell_folder(std::string(255, 'a'), "s.json"); }), "(no error)");
  const std::string e = error_of([] { api::check_cell_folder(std::string(300, 'a') + "__income", "s.json"); });
  EXPECT_TRUE(has(e, "s.json: cell \"aaaa") && has(e, "308 bytes, longer than 255")) << e;
}

TEST(OptionBounds, SweepCellCacheIsUsable) {
  ScratchDir d;
  auto cache_error = [&](const std::string& path) {
    return error_of([&] { api::check_cell_cache(path, "settings.cache", "s.json"); });
  };
  EXPECT_TRUE(has(cache_error(d.path.string()), "s.json: settings.cache \"" + d.path.string() + "\": is a folder"));
  const std::string file = d.write("plain", "x");
  EXPECT_TRUE(has(cache_error(file + "/sub/c.sqlite"), "cannot be created: " + file + " is not a folder"));
  EXPECT_EQ(cache_error(d.file("new/folders/c.sqlite")), "(no error)");  // missing folders are created, as by `run`
  EXPECT_EQ(cache_error(file), "(no error)");
  EXPECT_FALSE(fs::exists(d.path / "new"));  // a check writes nothing
}

// A run that fails before its first answer leaves no folder it made; nothing else goes.
TEST(OptionBounds, NewFoldersAreRemovedUnlessKeptOrUsed) {
  ScratchDir d;
  { experiment::RunOutput out((d.path / "a" / "b" / "run").string()); }  // failed: nothing written
  EXPECT_FALSE(fs::exists(d.path / "a"));
  fs::create_directories(d.path / "old");
  { experiment::RunOutput out((d.path / "old" / "run").string()); }
  EXPECT_TRUE(fs::exists(d.path / "old"));  // there before
  EXPECT_FALSE(fs::exists(d.path / "old" / "run"));
  {
    experiment::RunOutput out((d.path / "got" / "run").string());
    out.sample("{}");  // one answer: kept for a resume
  }
  EXPECT_TRUE(fs::exists(d.path / "got" / "run" / ".partial" / "samples.jsonl"));  // until the run is committed
  {
    experiment::NewFolders made((d.path / "quiz").string());
    fs::create_directories(d.path / "quiz");
    std::ofstream(d.path / "quiz" / "samples.jsonl");  // opened, nothing logged
  }
  EXPECT_FALSE(fs::exists(d.path / "quiz"));
  {
    experiment::NewFolders made((d.path / "other").string());
    fs::create_directories(d.path / "other");
    std::ofstream(d.path / "other" / "x") << "x";  // anything else stays, with its folder
  }
  EXPECT_TRUE(fs::exists(d.path / "other" / "x"));
  {
    experiment::NewFolders made((d.path / "kept").string());
    fs::create_directories(d.path / "kept");
    made.keep();
  }
  EXPECT_TRUE(fs::exists(d.path / "kept"));
}
