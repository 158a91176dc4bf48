#include "common/csv.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/file.h"

namespace sceval::csv {

std::optional<std::size_t> Table::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

std::size_t Table::require_column(std::string_view name) const {
  if (auto c = column(name)) return *c;
  throw Error(fmt::format("{}: missing column '{}' in the header", source, name));
}

std::string Table::where(std::size_t row, std::size_t col) const {
  return fmt::format("{}:{}, column '{}'", source, row_lines.at(row),
                     col < header.size() ? header[col] : std::to_string(col + 1));
}

Table parse(std::string_view text, std::string source) {
  Table t;
  t.source = std::move(source);
  std::vector<std::vector<std::string>> records;
  std::vector<std::size_t> lines;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false, field_started = false, record_started = false;
  std::size_t line = 1, record_line = 1;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    records.push_back(std::move(record));
    lines.push_back(record_line);
    record.clear();
    record_started = false;
  };
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!record_started) {
      record_started = true;
      record_line = line;
    }
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      in_quotes = field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      end_record();
      ++line;
    } else if (c == '"') {
      throw Error(fmt::format("{}:{}: stray quote inside an unquoted field", t.source, line));
    } else {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes) throw Error(fmt::format("{}:{}: unterminated quoted field", t.source, record_line));
  if (record_started) end_record();
  if (records.empty()) throw Error(fmt::format("{}: empty file, expected a header line", t.source));
  t.header = std::move(records.front());
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() == 1 && records[r][0].empty()) continue;  // blank line
    if (records[r].size() != t.header.size())
      throw Error(fmt::format("{}:{}: {} fields, the header has {}", t.source, lines[r],
                              records[r].size(), t.header.size()));
    t.rows.push_back(std::move(records[r]));
    t.row_lines.push_back(lines[r]);
  }
  return t;
}

Table read_file(const std::string& path) { return parse(read_file_text(path), path); }

std::string quote(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_row(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out << ',';
    out << quote(fields[i]);
  }
  out << '\n';
}

void write_file(const std::string& path, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot open for writing", path));
  write_row(out, header);
  for (const auto& r : rows) write_row(out, r);
  if (!out) throw Error(fmt::format("{}: write failed", path));
}

std::string to_text(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::ostringstream out;
  write_row(out, header);
  for (const auto& r : rows) write_row(out, r);
  return out.str();
}

}  // namespace sceval::csv
