// Hostile input, the shared readers: bounded JSON, streaming CSV, files and output paths. Each test feeds
// the hostile input of one class and checks for a sceval::Error that names the place.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "error_helpers.h"
#include "common/csv.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "common/redact.h"
#include "common/warning.h"
#include "parse/json_text.h"
#include "parse/sce.h"
#include "task/registry.h"

namespace sceval {
namespace {

using sceval::testing::error_of;
using sceval::testing::has;

namespace fs = std::filesystem;

using TempDir = sceval::testing::ScratchDir;

// ---- JSON ----

TEST(BoundedJson, DeepNestingIsRefusedWithAPosition) {
  const std::string deep = "{\"source\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  const std::string msg = error_of([&] { parse_json_bounded(deep, "t.json"); });
  EXPECT_TRUE(has(msg, "t.json:1:")) << msg;
  EXPECT_TRUE(has(msg, "nesting deeper than 256 levels")) << msg;
  // 256 levels are fine; brackets inside strings do not count.
  const std::string ok = std::string(256, '[') + "\"[[[[{{{{\"" + std::string(256, ']');
  EXPECT_NO_THROW(parse_json_bounded(ok, "ok.json"));
}

TEST(BoundedJson, NumbersOutOfRangeNameTheFile) {
  EXPECT_TRUE(has(error_of([] { parse_json_bounded("{\"w\": 1e400}", "a.json"); }), "a.json:1:"));
  EXPECT_TRUE(has(error_of([] { parse_json_bounded("{\"w\": 1e400}", "a.json"); }), "number out of range"));
  const std::string big = error_of([] { parse_json_bounded("{\"x\": {\"start\": 18446744073709551615}}", "b.json"); });
  EXPECT_TRUE(has(big, "b.json: x.start: integer 18446744073709551615 is out of range")) << big;
  JsonLimits wide;
  wide.int64_only = false;
  EXPECT_EQ(parse_json_bounded("[18446744073709551615]", "c", wide)[0].get<std::uint64_t>(), 18446744073709551615ull);
}

TEST(BoundedJson, DuplicateKeysAreErrors) {
  const std::string msg = error_of([] { parse_json_bounded(R"({"a": [1, {"k": 1, "k": 2}]})", "d.json"); });
  EXPECT_TRUE(has(msg, "d.json: a[1]: duplicate key \"k\"")) << msg;
  const std::string top = error_of([] { parse_json_bounded(R"({"name": "a", "x": 1, "name": "b"})", "e.json"); });
  EXPECT_EQ(top, "e.json: duplicate key \"name\"");
}

TEST(BoundedJson, SameValueAsNlohmannOnValidDocuments) {
  // The bounded reader must not change what valid JSON means: compare with nlohmann's own parser.
  for (const char* doc : {R"({"a": [1, 2.5, -3, true, null, "x\u00e9"], "b": {"c": {}}, "d": []})", "[]", "\"s\"", "-0",
                          "1.5e300", R"([{"a":1},{"a":2}])", "9223372036854775807", "-9223372036854775808"})
    EXPECT_EQ(parse_json_bounded(doc, "e"), nlohmann::json::parse(doc)) << doc;
  std::mt19937_64 rng(7);  // random valid documents
  for (int n = 0; n < 200; ++n) {
    nlohmann::json j = nlohmann::json::array();
    nlohmann::json* cur = &j;
    for (int d = 0; d < 20; ++d) {
      switch (rng() % 4) {
        case 0:
          cur->push_back(static_cast<std::int64_t>(rng() % 100000) - 50000);
          break;
        case 1:
          cur->push_back(std::string(1 + rng() % 5, static_cast<char>('a' + rng() % 26)));
          break;
        case 2:
          cur->push_back(nlohmann::json::object({{fmt::format("k{}", d), d}}));
          break;
        default:
          cur->push_back(nlohmann::json::array());
          cur = &cur->back();
      }
    }
    EXPECT_EQ(parse_json_bounded(j.dump(), "r"), j);
  }
}

TEST(BoundedJson, SyntaxErrorsKeepLineAndColumn) {
  const std::string msg = error_of([] { parse_json_bounded("{\n  \"a\": 1,\n  oops\n}", "s.json"); });
  EXPECT_TRUE(has(msg, "s.json:3:3: invalid JSON")) << msg;
}

TEST(BoundedJson, DeeplyNestedModelRepliesFailCleanly) {
  // Replies are parsed as the paper's Python did (json.loads, then repairs): past Python's own
  // recursion limit the parse fails with its message instead of overflowing the stack.
  const std::string reply = "Sure: {\"age\": " + std::string(100000, '[') + "1" + std::string(100000, ']') + "}";
  const auto j = parse::parse_json_from_text(reply);
  EXPECT_FALSE(j.ok());
  EXPECT_FALSE(j.detail.empty());
  const task::Task t = task::resolve_task("income");
  EXPECT_FALSE(parse::parse_sce(t, reply).ok());  // and no crash
}

TEST(BoundedJson, Utf16AndUtf32SaySo) {
  const std::string le("\xFF\xFE{\0}\0", 6), be("\xFE\xFF\0{\0}", 6);
  EXPECT_EQ(error_of([&] { parse_json_bounded(le, "t.json"); }), "t.json: the file is UTF-16; save it as UTF-8");
  EXPECT_EQ(error_of([&] { parse_json_bounded(be, "t.json"); }), "t.json: the file is UTF-16; save it as UTF-8");
  const std::string utf32("\xFF\xFE\0\0{\0\0\0}\0\0\0", 12);
  EXPECT_EQ(error_of([&] { parse_json_bounded(utf32, "t.json"); }), "t.json: the file is UTF-32; save it as UTF-8");
  const std::string no_bom("{\0}\0", 4);
  EXPECT_TRUE(has(error_of([&] { parse_json_bounded(no_bom, "t.json"); }), "t.json: the file holds NUL bytes"));
  EXPECT_EQ(parse_json_bounded("\xEF\xBB\xBF{\"a\": 1}", "t.json"), nlohmann::json({{"a", 1}}));  // UTF-8 BOM: fine
}

// ---- CSV ----

TEST(CsvReader, DuplicateHeadersAreErrors) {
  const std::string msg = error_of([] { csv::parse("index,label,x,label\n0,a,1,b\n", "m.csv"); });
  EXPECT_TRUE(has(msg, "m.csv:1: column 'label' appears twice in the header (columns 2 and 4)")) << msg;
}

// Linear in the header: 10^6 names are read and checked in well under a second (pairwise, as once,
// about an hour), and the warning lists the first 20 unknown names and how many more.
TEST(CsvReader, AHugeHeaderIsCheckedAndReportedInBrief) {
  std::string header = "index,label";
  for (int i = 0; i < 1000000; ++i) header += fmt::format(",c{}", i);
  std::string msg = error_of([&] { csv::parse(header + ",c123456\n", "wide.csv"); });
  EXPECT_TRUE(has(msg, "wide.csv:1: column 'c123456' appears twice in the header (columns 123459 and 1000003)")) << msg;
  std::vector<std::string> warnings;
  const auto old = set_warning_sink([&](const std::string& w) { warnings.push_back(w); });
  csv::warn_unknown_columns(csv::parse(header + "\n", "wide.csv"), {"index", "label", "c0"});
  set_warning_sink(old);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "wide.csv: ignoring unknown columns c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, "
            "c14, c15, c16, c17, c18, c19, c20 and 999979 more");
}

TEST(CsvReader, CrOnlyLineEndsReadLikeLf) {
  const std::string lf = "a,b\n1,\"x\ny\"\n3,4\n";
  std::string cr = lf;
  for (auto& c : cr)
    if (c == '\n') c = '\r';
  sceval::Table a = csv::parse(lf, "lf.csv"), b = csv::parse(cr, "cr.csv");
  EXPECT_EQ(a.columns, b.columns);
  ASSERT_EQ(b.rows.size(), 2u);
  EXPECT_EQ(b.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(b.rows[0][1], "x\ry");  // inside quotes a line break is data, kept as written
  EXPECT_EQ(a.row_lines, b.row_lines);
}

TEST(CsvReader, Utf16SaysSo) {
  const std::string utf16("\xFF\xFEi\0n\0d\0e\0x\0", 12);
  EXPECT_TRUE(has(error_of([&] { csv::parse(utf16, "u.csv"); }), "UTF-16"))
      << error_of([&] { csv::parse(utf16, "u.csv"); });
  const std::string no_bom("i\0n\0d\0e\0x\0\n\0", 12);
  EXPECT_TRUE(has(error_of([&] { csv::parse(no_bom, "v.csv"); }), "NUL bytes"));
}

TEST(CsvReader, UnterminatedQuoteNamesTheLineItOpens) {
  // Hand-worked: the quote opens on line 3 (the record starts there too); the file has 5 lines.
  const std::string msg = error_of([] { csv::parse("a,b\n1,2\n3,\"open\n4,5\n6,7\n", "q.csv"); });
  EXPECT_TRUE(has(msg, "q.csv:3: a quoted field opened here is never closed")) << msg;
}

TEST(CsvReader, RecordLengthIsBounded) {
  const std::string msg = error_of([] { csv::parse("a\n" + std::string(5000, 'x') + "\n", "big.csv", 1000); });
  EXPECT_TRUE(has(msg, "big.csv:2: a record longer than")) << msg;
}

TEST(CsvReader, GarbageFailsAtItsSecondRecord) {
  TempDir d;
  std::mt19937_64 rng(3);
  std::string garbage = "index,label\n";
  for (int i = 0; i < 200000; ++i)
    garbage += static_cast<char>('a' + rng() % 20) + std::string(rng() % 7 == 0 ? "," : "");
  const std::string msg = error_of([&] { csv::read_file(d.write("g.csv", garbage)); });
  EXPECT_TRUE(has(msg, "g.csv:2: ")) << msg;
}

// ---- files and paths ----

TEST(FileInputs, OnlyRegularFilesAreRead) {
  TempDir d;
  EXPECT_TRUE(
      has(error_of([&] { read_file_text(d.path.string(), "task file"); }), "is a directory, expected a task file"));
  EXPECT_TRUE(has(error_of([&] { csv::read_file(d.path.string()); }), "is a directory"));
  EXPECT_TRUE(has(error_of([] { csv::read_file("/dev/zero"); }), "/dev/zero: not a regular file"));
  EXPECT_TRUE(has(error_of([&] { read_file_text((d.path / "none.json").string()); }), "no such file"));
  EXPECT_TRUE(
      has(error_of([&] { read_file_text(d.write("big", std::string(3000, 'x')), "file", 1000); }), "larger than"));
}

TEST(FileInputs, OutputPathNeverLeavesItsRoot) {
  EXPECT_EQ(output_path("out", "gpt__income_1").string(), "out/gpt__income_1");
  for (const char* bad : {"..", ".", "", "../x", "a/b", "/etc", "a\\b"})
    EXPECT_TRUE(has(error_of([&] { output_path("out", bad); }), "cannot be used as a file or folder name under out"))
        << bad;
}

TEST(FileInputs, DirectoryErrorsNameThePathAndReason) {
  TempDir d;
  const std::string file = d.write("plain", "x");
  std::string msg = error_of([&] { ensure_directory(file); });
  EXPECT_TRUE(has(msg, file + " is a file, not a folder")) << msg;
  msg = error_of([&] { ensure_directory(fs::path(file) / "sub" / "run"); });
  EXPECT_TRUE(has(msg, file + " is a file, not a folder")) << msg;
  msg = error_of([&] { ensure_directory("/proc/sceval-run"); });
  EXPECT_TRUE(has(msg, "/proc/sceval-run: cannot create output directory")) << msg;
  EXPECT_NO_THROW(ensure_directory(d.path / "a" / "b"));
  EXPECT_TRUE(fs::is_directory(d.path / "a" / "b"));
}

TEST(FileInputs, AtomicWriteReplacesWholeOrNotAtAll) {
  TempDir d;
  const std::string p = (d.path / "results.json").string();
  write_file_atomic(p, "old");
  write_file_atomic(p, "new contents");
  EXPECT_EQ(read_file_text(p), "new contents");
  for (const auto& e : fs::directory_iterator(d.path)) EXPECT_EQ(e.path().filename(), "results.json");  // no temp left
  const std::string msg = error_of([&] { write_file_atomic((d.path / "missing" / "x.csv").string(), "y"); });
  EXPECT_TRUE(has(msg, "does not exist")) << msg;
  // A folder at the path: the error names it, nothing is written beside it.
  fs::create_directory(d.path / "dir.csv");
  EXPECT_TRUE(has(error_of([&] { write_file_atomic((d.path / "dir.csv").string(), "z"); }),
                  "dir.csv: cannot write: is a directory"));
}

// A device or pipe given as the output is written to, not replaced by a renamed file (which once
// turned /dev/full into a regular file), and its write errors are errors. The devices are reached
// through links in a scratch folder, so a regression replaces a link, not a device of the machine.
TEST(FileInputs, DevicesAndPipesAreWrittenNotReplaced) {
  TempDir d;
  const fs::path full = d.path / "full.csv", null = d.path / "null.csv", fifo = d.path / "fifo";
  fs::create_symlink("/dev/full", full);
  fs::create_symlink("/dev/null", null);
  const std::string msg = error_of([&] { write_file_atomic(full.string(), "x"); });
  EXPECT_TRUE(has(msg, "full.csv: write failed: No space left on device")) << msg;
  EXPECT_NO_THROW(write_file_atomic(null.string(), "x"));
  EXPECT_TRUE(fs::is_symlink(full) && fs::is_symlink(null));

  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // a reader, so the writer's open does not wait
  ASSERT_GE(fd, 0);
  write_file_atomic(fifo.string(), "through the pipe");
  char buf[64] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo));
  for (const auto& e : fs::directory_iterator(d.path))  // no temporary file (".NAME.XXXXXX") left behind
    EXPECT_NE(e.path().filename().string().front(), '.') << e.path();
}

TEST(RedactCredentials, UrlCredentialsAndKeys) {
  EXPECT_EQ(without_url_credentials("openai:m@http://user:pw@host:8080/v1,https://k@h2/v1;x=1"),
            "openai:m@http://***@host:8080/v1,https://***@h2/v1;x=1");
  EXPECT_EQ(without_url_credentials("openai:m@http://host/v1?a=b@c"), "openai:m@http://host/v1?a=b@c");
  EXPECT_EQ(redact_secret("key sk-12345678 and sk-12345678", "sk-12345678"), "key *** and ***");
  EXPECT_EQ(redact_secret("a short key abc", "abc"), "a short key abc");  // too short to be searched for
}

}  // namespace
}  // namespace sceval
