// The run directory as the experiment module writes it (experiment/output.h): a new run never
// removes or mixes with a finished one until it has finished itself, two writers cannot share a
// folder, and no file is written through a link planted in the folder.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/exclusive.h"
#include "common/file.h"
#include "error_helpers.h"
#include "experiment/output.h"
#include "experiment/stages.h"

namespace fs = std::filesystem;
using sceval::experiment::RunDirPolicy;
using sceval::experiment::RunOutput;
using sceval::testing::error_of;
using sceval::testing::has;
using sceval::testing::ScratchDir;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const nlohmann::json kSettings = {{"task", "income"}, {"limit", 5}, {"output", "a"}};

// A finished run in `dir` written through RunOutput, with one sample line.
void finished_run(const std::string& dir, const nlohmann::json& settings = kSettings) {
  RunOutput out(dir, {settings, false});
  out.sample("{\"call\": 1}");
  out.put("decision_map.csv", "index,label\n0,A\n");
  out.put("sces.csv", "index,target\n0,B\n");
  out.put("results.json", nlohmann::json{{"settings", settings}}.dump());
  out.commit();
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

}  // namespace

TEST(RunDir, AFinishedRunHoldsItsFourFilesAndNothingPartial) {
  ScratchDir d;
  const std::string dir = d.file("run");
  finished_run(dir);
  EXPECT_EQ(entries(dir),
            (std::set<std::string>{".sceval.lock", "decision_map.csv", "results.json", "samples.jsonl", "sces.csv"}));
  EXPECT_EQ(read(fs::path(dir) / "samples.jsonl"), "{\"call\": 1}\n");
}

TEST(RunDir, ARerunThatFailsLeavesTheFinishedRunWhole) {
  ScratchDir d;
  const std::string dir = d.file("run");
  finished_run(dir);
  const std::string results = read(fs::path(dir) / "results.json"), samples = read(fs::path(dir) / "samples.jsonl");
  {  // the same command again: starts, logs a call, writes a stage's file, then fails (no commit)
    RunOutput again(dir, {kSettings, false});
    again.sample("{\"call\": \"new\"}");
    again.put("decision_map.csv", "index,label\n0,B\n");
  }
  EXPECT_EQ(read(fs::path(dir) / "results.json"), results);
  EXPECT_EQ(read(fs::path(dir) / "samples.jsonl"), samples);
  EXPECT_EQ(read(fs::path(dir) / "decision_map.csv"), "index,label\n0,A\n");
  // The failed run's own files wait in .partial/ until the next run starts it anew.
  EXPECT_EQ(read(fs::path(dir) / ".partial" / "samples.jsonl"), "{\"call\": \"new\"}\n");
}

TEST(RunDir, ARerunThatFailsBeforeItsFirstAnswerLeavesNoTrace) {
  ScratchDir d;
  const std::string dir = d.file("run");
  finished_run(dir);
  auto before = entries(dir);
  { RunOutput again(dir, {kSettings, false}); }
  before.erase(".sceval.lock");  // released and removed with the folder's other traces of the rerun
  EXPECT_EQ(entries(dir), before);
  const std::string fresh = d.file("fresh/run");
  { RunOutput never(fresh, {kSettings, false}); }
  EXPECT_FALSE(fs::exists(d.file("fresh"))) << "a folder made for a run that got nothing is removed";
}

TEST(RunDir, ACommittedRerunReplacesEveryFileAndDropsOnesItHasNoneOf) {
  ScratchDir d;
  const std::string dir = d.file("run");
  finished_run(dir);
  RunOutput again(dir, {kSettings, false});  // a score: no samples
  again.put("decision_map.csv", "index,label\n0,B\n");
  again.put("sces.csv", "index,target\n");
  again.put("results.json", nlohmann::json{{"settings", kSettings}, {"n", 2}}.dump());
  again.commit();
  EXPECT_FALSE(fs::exists(fs::path(dir) / "samples.jsonl")) << "the earlier run's samples would describe another run";
  EXPECT_FALSE(fs::exists(fs::path(dir) / ".partial"));
  EXPECT_EQ(read(fs::path(dir) / "decision_map.csv"), "index,label\n0,B\n");
  EXPECT_TRUE(has(read(fs::path(dir) / "results.json"), "\"n\":2"));
}

TEST(RunDir, OtherSettingsAreRefusedUnlessOverwrite) {
  ScratchDir d;
  const std::string dir = d.file("run");
  finished_run(dir);
  nlohmann::json other = kSettings;
  other["limit"] = 7;
  other["output"] = "elsewhere";  // the folder's own name never counts
  const std::string e = error_of([&] { RunOutput o(dir, {other, false}); });
  EXPECT_TRUE(has(e, "holds a finished run with other settings (limit 5 -> 7)")) << e;
  EXPECT_TRUE(has(e, "--overwrite")) << e;
  EXPECT_FALSE(has(e, "output")) << e;
  EXPECT_EQ(error_of([&] { RunOutput o(dir, {other, true}); }), "(no error)");
  nlohmann::json newer = kSettings;
  newer["a_new_option"] = 1;  // an option an older sceval did not record is not a difference
  EXPECT_EQ(error_of([&] { RunOutput o(dir, {newer, false}); }), "(no error)");
}

TEST(RunDir, RunFilesWithoutAFinishedRunAreNotReplacedSilently) {
  ScratchDir d;
  fs::create_directories(d.file("mine"));
  d.write("mine/sces.csv", "my own file\n");
  const std::string e = error_of([&] { RunOutput o(d.file("mine"), {kSettings, false}); });
  EXPECT_TRUE(has(e, "holds sces.csv but no results.json")) << e;
  EXPECT_EQ(read(d.file("mine/sces.csv")), "my own file\n");
  fs::create_directories(d.file("notrun"));
  d.write("notrun/results.json", "[1, 2]");
  EXPECT_TRUE(has(error_of([&] {
                    RunOutput o(d.file("notrun"), {kSettings, false});
                  }),
                  "not the results.json of a sceval run"));
}

TEST(RunDir, TwoWritersCannotShareAFolder) {
  ScratchDir d;
  const std::string dir = d.file("run");
  RunOutput first(dir, {kSettings, false});
  first.sample("{}");
  const std::string e = error_of([&] { RunOutput second(dir, {kSettings, false}); });
  EXPECT_TRUE(has(e, "another sceval command is writing this run directory")) << e;
  EXPECT_EQ(read(fs::path(dir) / ".partial" / "samples.jsonl"), "{}\n")
      << "the second writer touched the first's files";
}

TEST(RunDir, LinksPlantedInTheFolderAreNeverFollowed) {
  ScratchDir d;
  const std::string dir = d.file("run");
  fs::create_directories(d.file("outside"));
  d.write("outside/target", "untouched");
  fs::create_directories(dir);
  // At the staging folder's name, and at the results.json of what looks like a finished run.
  fs::create_directory_symlink(d.file("outside"), fs::path(dir) / ".partial");
  fs::create_symlink(d.file("outside/target"), fs::path(dir) / "results.json");
  EXPECT_TRUE(has(error_of([&] { RunOutput o(dir, {kSettings, false}); }), "not a regular file"));
  {
    RunOutput o(dir, {kSettings, true});
    o.sample("{}");
    o.put("results.json", nlohmann::json{{"settings", kSettings}}.dump());
    o.commit();
  }
  EXPECT_EQ(read(d.file("outside/target")), "untouched");
  EXPECT_EQ(entries(d.file("outside")), std::set<std::string>{"target"});
  EXPECT_FALSE(fs::is_symlink(fs::path(dir) / "results.json"));
}

TEST(RunDir, AtomicWritesDoNotFollowALinkAtTheTemporaryName) {
  ScratchDir d;
  d.write("target", "untouched");
  // The temporary names an earlier version used (predictable: path.tmp.<pid>).
  fs::create_symlink(d.file("target"), d.file(fmt::format("out.json.tmp.{}", ::getpid())));
  sceval::write_file_atomic(d.file("out.json"), "new");
  EXPECT_EQ(read(d.file("target")), "untouched");
  EXPECT_EQ(read(d.file("out.json")), "new");
  for (const auto& e : fs::directory_iterator(d.path))
    EXPECT_FALSE(has(e.path().filename().string(), ".out.json.")) << "temporary file left: " << e.path();
}

TEST(RunDir, ASampleLogReplacesALinkInsteadOfWritingThroughIt) {
  ScratchDir d;
  d.write("target", "untouched");
  fs::create_symlink(d.file("target"), d.file("samples.jsonl"));
  sceval::experiment::SampleLog log(d.file("samples.jsonl"));
  EXPECT_EQ(read(d.file("target")), "untouched");
  EXPECT_FALSE(fs::is_symlink(d.file("samples.jsonl")));
}

TEST(RunDir, NewFilesAreCreatedExclusively) {
  ScratchDir d;
  d.write("target", "untouched");
  fs::create_symlink(d.file("target"), d.file("link"));
  EXPECT_TRUE(has(error_of([&] { sceval::create_new_file(d.file("link")); }), "sceval never writes through it"));
  EXPECT_EQ(read(d.file("target")), "untouched");
}

TEST(RunDir, AFileInThePathIsAnErrorNamingIt) {
  ScratchDir d;
  d.write("file", "x");
  EXPECT_TRUE(has(error_of([&] { RunOutput o(d.file("file/run"), {kSettings, false}); }), "is a file, not a folder"));
}
