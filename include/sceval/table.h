#pragma once
// A CSV table in memory: the decision-map, SCE, closest and summary formats of README "File
// formats" are all tables of text cells (UTF-8, RFC 4180 when written). The one table type of the
// library: its readers and writers (src/common/csv.h) and every module use it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sceval {

struct Table {
  std::string source;  // where it came from (file name, "DataFrame"), for error messages
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  // 1-based line of each row's start in the file it was read from, for messages; empty for a
  // table built in code (then row r counts as line r + 2, as in a CSV file).
  std::vector<std::size_t> row_lines{};

  std::optional<std::size_t> column(std::string_view name) const;
  std::size_t require_column(std::string_view name) const;  // throws sceval::Error naming the file
  // "file.csv:LINE, column NAME" for messages.
  std::string where(std::size_t row, std::size_t col) const;
  // Checks that every row has one cell per column (a table built in code may not), and numbers rows
  // without row_lines as a CSV file would (header on line 1). Throws sceval::Error naming the row.
  void check_shape();
  std::string to_csv() const;
  void write_csv(const std::string& path) const;
  static Table parse_csv(std::string_view text, std::string source);
  // `required`: columns the file must have, checked as soon as its header is read (a large file
  // that is not the table wanted fails at once, not after being read whole).
  static Table read_csv(const std::string& path, const std::vector<std::string>& required = {});
};

}  // namespace sceval
