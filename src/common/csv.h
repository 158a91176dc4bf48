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

#include "sceval/table.h"

namespace sceval::csv {

inline constexpr std::size_t kMaxRecordBytes = std::size_t{16} << 20;

// Called once with the header (no rows yet) before any row is read, so a reader that needs certain
// columns refuses a wrong file (garbage that parses as one column) at once, not after reading it all.
using HeaderCheck = std::function<void(const Table&)>;
HeaderCheck require_columns(std::vector<std::string> names);  // each via Table::require_column

Table parse(std::string_view text, std::string source, std::size_t max_record_bytes = kMaxRecordBytes,
            const HeaderCheck& check = {});
Table read_file(const std::string& path, std::size_t max_record_bytes = kMaxRecordBytes, const HeaderCheck& check = {});

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
