#pragma once
// A CSV table in memory: the decision-map, SCE, closest and summary formats of README "File
// formats" are all tables of text cells (UTF-8, RFC 4180 when written).
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
  std::string to_csv() const;
  void write_csv(const std::string& path) const;
  static Table parse_csv(std::string_view text, std::string source);
  // `required`: columns the file must have, checked as soon as its header is read (a large file
  // that is not the table wanted fails at once, not after being read whole).
  static Table read_csv(const std::string& path, const std::vector<std::string>& required = {});
};

}  // namespace sceval
