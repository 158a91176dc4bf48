#pragma once
// RFC 4180 CSV (UTF-8): quoted fields may hold commas, quotes ("") and line breaks. Line ends
// CRLF, LF or CR alone. Files are read in chunks and checked record by record (a garbage file fails
// at its second record, not after being read whole); one record may hold at most kMaxRecordBytes.
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sceval {
struct Table;  // the public table (include/sceval/table.h)
}

namespace sceval::csv {

inline constexpr std::size_t kMaxRecordBytes = std::size_t{16} << 20;

struct Table {
  std::string source;  // file name, for messages
  std::vector<std::string> header;  // names are unique (a repeated name is an error)
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> row_lines;  // 1-based line of each row's start in the file

  std::optional<std::size_t> column(std::string_view name) const;
  std::size_t require_column(std::string_view name) const;  // throws naming the file
  // "file.csv:LINE, column NAME" for messages.
  std::string where(std::size_t row, std::size_t col) const;
};

// Called once with the header (no rows yet) before any row is read, so a reader that needs certain
// columns refuses a wrong file (garbage that parses as one column) at once, not after reading it all.
using HeaderCheck = std::function<void(const Table&)>;
HeaderCheck require_columns(std::vector<std::string> names);  // each via Table::require_column

Table parse(std::string_view text, std::string source, std::size_t max_record_bytes = kMaxRecordBytes,
            const HeaderCheck& check = {});
Table read_file(const std::string& path, std::size_t max_record_bytes = kMaxRecordBytes, const HeaderCheck& check = {});

// The public table <-> this one. Rows keep the file lines they started on, so a row refused later
// (`score`, `closest`) names its real line; a table without them (built in code) counts lines as a
// CSV file with one line per row would. from_public checks that every row has one cell per column.
sceval::Table as_public(Table t);
Table from_public(const sceval::Table& t);

// One warning line naming the header's columns that are not in `known` (the first 20, then how
// many more: a header may hold a million names), or nothing when all are known.
void warn_unknown_columns(const Table& t, const std::vector<std::string>& known);

std::string quote(std::string_view field);  // quotes only when needed
void write_row(std::ostream& out, const std::vector<std::string>& fields);
// Written to a temporary file and renamed over `path` (common/file.h write_file_atomic).
void write_file(const std::string& path, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);
// The text write_file writes.
std::string to_text(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace sceval::csv
