// An output that is one of the command's own inputs is refused before anything is written
// (results already obtained are never lost): refuse_overwriting_inputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/file.h"
#include "error_helpers.h"

namespace sceval {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::has;
using testing::ScratchDir;

TEST(OutputsAreNotInputs, TheSameFileIsRefusedNamingBoth) {
  ScratchDir d;
  const std::string in = d.write("sces.csv", "index,target\n");
  const std::string e = error_of([&] { refuse_overwriting_inputs(in, {d.file("other.csv"), in}); });
  EXPECT_TRUE(has(e, in + ": is also an input of this command (" + in + "); write the output elsewhere")) << e;
}

TEST(OutputsAreNotInputs, OtherSpellingsLinksAndHardLinksAreTheSameFile) {
  ScratchDir d;
  const std::string in = d.write("results.json", "{}");
  fs::create_directory(d.path / "sub");
  fs::create_symlink(in, d.path / "link.json");
  fs::create_hard_link(in, d.path / "hard.json");
  for (const std::string& out :
       {(d.path / "." / "results.json").string(), (d.path / "sub" / ".." / "results.json").string(),
        d.file("link.json"), d.file("hard.json")})
    EXPECT_TRUE(has(error_of([&] { refuse_overwriting_inputs(out, {in}); }), "is also an input")) << out;
  // ... and the other way round: the input named through the link.
  EXPECT_TRUE(has(error_of([&] { refuse_overwriting_inputs(in, {d.file("link.json")}); }), "is also an input"));
}

TEST(OutputsAreNotInputs, DistinctMissingAndEmptyPathsPass) {
  ScratchDir d;
  const std::string in = d.write("a.csv", "x\n"), other = d.write("b.csv", "x\n");  // same bytes, other file
  EXPECT_EQ(error_of([&] { refuse_overwriting_inputs(other, {in}); }), "(no error)");
  EXPECT_EQ(error_of([&] { refuse_overwriting_inputs(d.file("new.csv"), {in}); }), "(no error)");  // a new output
  EXPECT_EQ(error_of([&] { refuse_overwriting_inputs(d.file("new.csv"), {d.file("new.csv")}); }), "(no error)");
  EXPECT_EQ(error_of([&] { refuse_overwriting_inputs(in, {"", d.file("missing.csv")}); }), "(no error)");
  EXPECT_EQ(error_of([&] { refuse_overwriting_inputs("", {in}); }), "(no error)");
  EXPECT_EQ(error_of([&] { refuse_overwriting_inputs(d.path.string(), {in}); }), "(no error)");  // a folder
}

}  // namespace
}  // namespace sceval
