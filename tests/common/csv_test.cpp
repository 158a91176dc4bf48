// Hostile input, CSV line numbers and early refusals: a quote left open is reported at the line it opens
// even when quoted fields follow; `score` and `closest` name a bad row's real line after blank lines
// and multi-line fields; a file without the columns a reader needs is refused at its header.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "error_helpers.h"
#include "common/csv.h"
#include "common/error.h"
#include "grid/grid.h"
#include "results/decision_map_csv.h"
#include "sceval/table.h"
#include "task/registry.h"

namespace sceval {
namespace {

using sceval::testing::error_of;
using sceval::testing::has;

namespace fs = std::filesystem;

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& bytes) {
    std::string tmpl = (fs::temp_directory_path() / "sceval-lines-XXXXXX").string();
    const int fd = mkstemp(tmpl.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    path = tmpl;
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

// The decision map of the audit's C7: the label on line 4 lacks its closing quote; every label is quoted.
const std::string kHeader = "index,AGEP,SCHL,label\n";
const std::string kUnclosedOnLine4 = kHeader +
                                     "0,17,N/A - no schooling completed,\"Below $50,000\"\n"
                                     "1,17,Nursery school / preschool,\"Below $50,000\"\n"
                                     "2,17,Kindergarten,\"Below $50,000\n"
                                     "3,17,1st grade only,\"Below $50,000\"\n"
                                     "4,17,2nd grade,\"Below $50,000\"\n";

TEST(CsvLineNumbers, QuoteLeftOpenBeforeQuotedFieldsNamesItsLine) {
  const std::string msg = error_of([] { csv::parse(kUnclosedOnLine4, "dm.csv"); });
  EXPECT_TRUE(has(msg, "dm.csv:4: the quoted field opened on this line may be unclosed")) << msg;
  EXPECT_TRUE(has(msg, "line 5: stray quote inside an unquoted field")) << msg;
  // Read from a file in chunks the same.
  TempFile f(kUnclosedOnLine4);
  const std::string from_file = error_of([&] { csv::read_file(f.path); });
  EXPECT_TRUE(has(from_file, f.path + ":4: the quoted field opened on this line may be unclosed")) << from_file;
}

TEST(CsvLineNumbers, FieldCountAfterAQuoteSpanningLinesNamesTheQuote) {
  // The quote on line 3 closes on line 4 and swallows a comma: the record has one field too few.
  const std::string msg = error_of([] { csv::parse("a,b,c\n1,2,3\n4,\"x\n5,6\"\n", "n.csv"); });
  EXPECT_TRUE(has(msg,
                  "n.csv:3: the quoted field opened on this line may be unclosed (line 4: the record ends with "
                  "2 fields, the header has 3)"))
      << msg;
  // Without a quote across lines the record's own line, as before; a closed multi-line field is fine.
  EXPECT_TRUE(has(error_of([] { csv::parse("a,b\n1,2\n3\n", "m.csv"); }), "m.csv:3: 1 fields, the header has 2"));
  EXPECT_TRUE(has(error_of([] { csv::parse("a,b\n1,2,3\n", "m.csv"); }), "m.csv:2: 3 fields"));
  EXPECT_EQ(csv::parse("a,b\n\"x\ny\",2\n3,4\n", "ok.csv").row_lines, (std::vector<std::size_t>{2, 4}));
}

// The path `sceval score` and `closest` take: the file is read (Table::read_csv), its shape checked
// (Table::check_shape) and handed to the reader.
std::string score_path_error(const std::string& text) {
  const task::Task t = task::resolve_task("income");
  const grid::Grid g(t);
  TempFile f(text);
  sceval::Table table = csv::read_file(f.path);
  return error_of([&] {
           table.check_shape();
           results::read_decision_map(g, table);
         }) +
         " [" + f.path + "]";
}

TEST(CsvLineNumbers, ScoreNamesTheRealLineAfterABlankLine) {
  const std::string text = kHeader +
                           "0,17,N/A - no schooling completed,\"Below $50,000\"\n"
                           "1,17,Nursery school / preschool,\"Below $50,000\"\n"
                           "2,17,Kindergarten,\"Below $50,000\"\n"
                           "3,17,1st grade only,\"Below $50,000\"\n"
                           "\n"
                           "999999,17,Kindergarten,\"Below $50,000\"\n";  // line 7 (the 5th row)
  const std::string msg = score_path_error(text);
  EXPECT_TRUE(has(msg, ":7, column 'index': expected a grid index in 0..1919, got \"999999\"")) << msg;
}

TEST(CsvLineNumbers, ScoreNamesTheRealLineAfterAMultiLineField) {
  const std::string text = kHeader +
                           "0,17,N/A - no schooling completed,\"Below\n$50,000\"\n"  // an off-label answer, lines 2-3
                           "1,17,Nursery school / preschool,\"Below $50,000\"\n"
                           "999999,17,Kindergarten,\"Below $50,000\"\n";  // line 5 (the 3rd row)
  const std::string msg = score_path_error(text);
  EXPECT_TRUE(has(msg, ":5, column 'index': expected a grid index in 0..1919, got \"999999\"")) << msg;
}

TEST(CsvLineNumbers, TablesKeepTheirLinesAndCodeTablesCountAsFiles) {
  sceval::Table read = csv::parse("a,b\n\n1,2\n\"x\ny\",3\n4,5\n", "t.csv");
  EXPECT_EQ(read.row_lines, (std::vector<std::size_t>{3, 4, 6}));
  read.check_shape();
  EXPECT_EQ(read.row_lines, (std::vector<std::size_t>{3, 4, 6}));
  sceval::Table built{"DataFrame", {"a", "b"}, {{"1", "2"}, {"3", "4"}}};
  built.check_shape();
  EXPECT_EQ(built.row_lines, (std::vector<std::size_t>{2, 3}));
  sceval::Table bad = read;
  bad.rows[2].push_back("extra");
  EXPECT_TRUE(has(error_of([&] { bad.check_shape(); }), "t.csv:6: 3 fields, the header has 2"));
  bad = built;
  bad.row_lines.clear();
  bad.rows[1].pop_back();
  EXPECT_TRUE(has(error_of([&] { bad.check_shape(); }), "DataFrame: row 2 has 1 cells for 2 columns"));
}

TEST(CsvLineNumbers, RequiredColumnsAreCheckedBeforeAnyRowIsRead) {
  // One column of base64-like garbage, then a line the parser would refuse: the header check comes first.
  std::string garbage = "U2NldmFsIGdhcmJhZ2U=\n";
  for (int i = 0; i < 100000; ++i) garbage += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n";
  garbage += "x\"y\n";
  TempFile f(garbage);
  std::size_t rows_seen = 99;
  const std::string msg = error_of([&] {
    csv::read_file(f.path, csv::kMaxRecordBytes, [&](const sceval::Table& t) {
      rows_seen = t.rows.size();
      csv::require_columns({"index", "label"})(t);
    });
  });
  EXPECT_EQ(msg, f.path + ": missing column 'index' in the header");
  EXPECT_EQ(rows_seen, 0u);
  EXPECT_TRUE(
      has(error_of([&] {
            csv::parse("index,label\nx\"y\n", "p.csv", csv::kMaxRecordBytes, csv::require_columns({"index", "label"}));
          }),
          "p.csv:2: stray quote"));  // a header with the columns: read on
  EXPECT_EQ(
      csv::parse("index,label\n0,a\n", "p.csv", csv::kMaxRecordBytes, csv::require_columns({"label"})).rows.size(), 1u);
}

}  // namespace
}  // namespace sceval
