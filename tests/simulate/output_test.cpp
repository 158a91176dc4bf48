// An audit's folder never holds files of two audits: check_audit_dir refuses another audit's
// settings (naming what differs), audit files without a simulate.json (a commit killed half way, or
// another tool's files) and a simulate.json that is no audit's, unless overwrite; commit_audit
// replaces every file, removing those the new audit has none of. (Through the CLI:
// tests/e2e/simulate_cli.sh.)
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "common/file.h"
#include "scratch_dir.h"
#include "simulate/output.h"

namespace sceval::testing {
namespace {

namespace fs = std::filesystem;

std::string refusal(const fs::path& dir, const nlohmann::json& settings) {
  try {
    simulate::check_audit_dir(dir, settings, false);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SimulateOutput, AnAuditOfOtherSettingsIsRefusedUnlessOverwrite) {
  ScratchDir d;
  const nlohmann::json settings = {{"sample", 3}, {"seed", 42}};
  EXPECT_EQ(refusal(d.path, settings), "");  // an empty folder
  d.write("decision_map.csv", "index\n");    // a run's files beside the audit are no concern
  simulate::start_staging(d.path);
  simulate::commit_audit(d.path, "csv 3\n", nlohmann::json{{"kind", "simulate"}, {"settings", settings}}.dump());
  EXPECT_EQ(refusal(d.path, settings), "");  // the same settings: a rerun
  const auto other = nlohmann::json{{"sample", 4}, {"seed", 42}};
  EXPECT_NE(refusal(d.path, other).find("holds a simulatability audit with other settings (sample 3 -> 4)"),
            std::string::npos)
      << refusal(d.path, other);
  EXPECT_NO_THROW(simulate::check_audit_dir(d.path, other, true));
}

TEST(SimulateOutput, FilesWithoutASimulateJsonOrAForeignJsonAreRefused) {
  ScratchDir d;
  d.write("simulate.csv", "x\n1\n");
  EXPECT_NE(refusal(d.path, {}).find("holds simulate.csv but no simulate.json"), std::string::npos)
      << refusal(d.path, {});
  d.write("simulate.json", R"({"kind": "something else", "settings": {}})");
  EXPECT_NE(refusal(d.path, {}).find("not the simulate.json of a sceval simulate audit"), std::string::npos)
      << refusal(d.path, {});
  d.write("simulate.json", "{not json");
  EXPECT_NE(refusal(d.path, {}), "");
  EXPECT_NO_THROW(simulate::check_audit_dir(d.path, {}, true));
}

TEST(SimulateOutput, CommitReplacesEveryFileAndRemovesThoseTheNewAuditHasNoneOf) {
  ScratchDir d;
  d.write("simulate.json", "old json");
  d.write("simulate.csv", "old csv");
  d.write("simulate_samples.jsonl", "old samples");
  simulate::start_staging(d.path);
  simulate::commit_audit(d.path, "new csv", "{}");
  EXPECT_EQ(read_file_text(d.file("simulate.csv")), "new csv");
  EXPECT_EQ(read_file_text(d.file("simulate.json")), "{}");
  EXPECT_FALSE(fs::exists(d.path / "simulate_samples.jsonl"));  // the new audit had none
  EXPECT_FALSE(fs::exists(d.path / simulate::kAuditStaging));
  EXPECT_EQ(read_file_text(d.file("simulate.csv")), "new csv");
}

TEST(SimulateOutput, AnotherRunsFolderIsRefused) {
  ScratchDir d;
  const fs::path run = d.path / "run", other = d.path / "other";
  fs::create_directories(run);
  fs::create_directories(other);
  EXPECT_NO_THROW(simulate::check_not_another_run(d.path / "fresh", run));  // no folder yet
  EXPECT_NO_THROW(simulate::check_not_another_run(other, run));             // a folder without a run
  d.write("run/results.json", "{}");
  d.write("other/results.json", "{}");
  EXPECT_NO_THROW(simulate::check_not_another_run(run, run));                   // the audited run's own folder
  EXPECT_NO_THROW(simulate::check_not_another_run(d.path / "." / "run", run));  // the same folder, spelled otherwise
  try {
    simulate::check_not_another_run(other, run);
    FAIL() << "accepted another run's folder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("other: holds another run (its results.json)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sceval::testing
