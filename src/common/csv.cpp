#include "common/csv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "common/file.h"
#include "common/warning.h"
#include "sceval/table.h"

namespace sceval::csv {

namespace {

// The RFC 4180 state machine, fed chunk by chunk; each finished record goes into the table at once.
class Parser {
 public:
  Parser(std::string source, std::size_t max_record_bytes, const HeaderCheck& check)
      : max_bytes_(max_record_bytes), check_(check) {
    t_.source = std::move(source);
  }

  void feed(std::string_view text) {
    if (first_chunk_) check_encoding(text);
    for (std::size_t i = 0; i < text.size(); ++i) step(text[i]);
  }

  Table finish() {
    if (quote_pending_) close_quote();  // the file ends right after a closing quote
    if (in_quotes_)
      throw Error(fmt::format("{}:{}: a quoted field opened here is never closed", t_.source, quote_line_));
    if (pending_cr_)
      pending_cr_ = false;
    else if (record_started_)
      end_record();
    if (!have_header_) throw Error(fmt::format("{}: empty file, expected a header line", t_.source));
    return std::move(t_);
  }

 private:
  void check_encoding(std::string_view text) {
    first_chunk_ = false;
    if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF"))
      throw Error(fmt::format("{}: the file is UTF-16; save it as UTF-8", t_.source));
    if (text.substr(0, 4096).find('\0') != std::string_view::npos)
      throw Error(fmt::format("{}: the file holds NUL bytes (UTF-16 or binary?); expected UTF-8 text", t_.source));
    if (text.starts_with("\xEF\xBB\xBF")) skip_ = 3;  // UTF-8 BOM
  }

  void step(char c) {
    if (skip_) {
      --skip_;
      return;
    }
    if (pending_cr_) {  // CR seen outside quotes: CRLF or a CR-only line end
      pending_cr_ = false;
      if (c == '\n') return;
    }
    if (!record_started_) {
      record_started_ = true;
      record_line_ = line_;
      record_bytes_ = 0;
      multiline_quote_ = 0;
    }
    if (++record_bytes_ > max_bytes_)
      fail(record_line_,
           fmt::format("a record longer than {} MiB (not a CSV, or an unclosed quote?)", max_bytes_ >> 20));
    if (in_quotes_) {
      if (quote_pending_) {  // a quote inside quotes: "" is an escaped quote, else the field ends
        quote_pending_ = false;
        if (c == '"') {
          field_ += '"';
          return;
        }
        close_quote();
      } else {
        if (c == '"')
          quote_pending_ = true;
        else {
          // Line breaks inside quotes are data; count them as lines (CRLF once, CR or LF alone once).
          if (c == '\r' || (c == '\n' && !quoted_cr_)) ++line_;
          field_ += c;
        }
        quoted_cr_ = c == '\r';
        return;
      }
    }
    if (c == '"' && !field_started_) {
      in_quotes_ = field_started_ = true;
      quote_line_ = line_;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r') {
      end_record();
      pending_cr_ = true;
      ++line_;
    } else if (c == '\n') {
      end_record();
      ++line_;
    } else if (c == '"') {
      fail(line_, "stray quote inside an unquoted field");
    } else {
      field_ += c;
      field_started_ = true;
    }
  }

  void close_quote() {
    in_quotes_ = quote_pending_ = false;
    if (line_ > quote_line_ && !multiline_quote_) multiline_quote_ = quote_line_;
  }

  void end_field() {
    record_.push_back(std::move(field_));
    field_.clear();
    field_started_ = false;
  }

  void end_record() {
    end_field();
    record_started_ = false;
    if (!have_header_) {
      have_header_ = true;
      std::unordered_map<std::string_view, std::size_t> seen;  // linear: a header may hold 10^6 names
      for (std::size_t i = 0; i < record_.size(); ++i)
        if (auto [at, fresh] = seen.emplace(record_[i], i); !fresh)
          throw Error(fmt::format("{}:{}: column '{}' appears twice in the header (columns {} and {})", t_.source,
                                  record_line_, record_[i], at->second + 1, i + 1));
      t_.columns = std::move(record_);
      if (check_) check_(t_);
    } else if (!(record_.size() == 1 && record_[0].empty())) {  // skip blank lines
      if (record_.size() != t_.columns.size()) {
        const std::string what = fmt::format("{} fields, the header has {}", record_.size(), t_.columns.size());
        if (multiline_quote_) fail(line_, "the record ends with " + what);
        fail(record_line_, what);
      }
      t_.rows.push_back(std::move(record_));
      t_.row_lines.push_back(record_line_);
    }
    record_.clear();
  }

  // An error in a record holding a quoted field that spans lines is most likely a quote left open
  // (its field then runs on through the next lines, up to the next quote): name the line where
  // that quote opened as well as the line where the reader noticed.
  [[noreturn]] void fail(std::size_t line, const std::string& what) const {
    const std::size_t open = in_quotes_ && line_ > quote_line_ ? quote_line_ : multiline_quote_;
    if (open && open < line)
      throw Error(fmt::format("{}:{}: the quoted field opened on this line may be unclosed (line {}: {})", t_.source,
                              open, line, what));
    throw Error(fmt::format("{}:{}: {}", t_.source, line, what));
  }

  Table t_;
  std::size_t max_bytes_;
  const HeaderCheck& check_;
  std::vector<std::string> record_;
  std::string field_;
  bool first_chunk_ = true, have_header_ = false;
  bool in_quotes_ = false, quote_pending_ = false, field_started_ = false, record_started_ = false;
  bool pending_cr_ = false, quoted_cr_ = false;
  int skip_ = 0;
  std::size_t line_ = 1, record_line_ = 1, quote_line_ = 1, record_bytes_ = 0;
  std::size_t multiline_quote_ = 0;  // the opening line of this record's first field that spans lines; 0: none
};

}  // namespace

HeaderCheck require_columns(std::vector<std::string> names) {
  return [names = std::move(names)](const Table& t) {
    for (const auto& n : names) t.require_column(n);
  };
}

Table parse(std::string_view text, std::string source, std::size_t max_record_bytes, const HeaderCheck& check) {
  Parser p(std::move(source), max_record_bytes, check);
  p.feed(text);
  return p.finish();
}

Table read_file(const std::string& path, std::size_t max_record_bytes, const HeaderCheck& check) {
  require_regular_file(path, "CSV file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(fmt::format("{}: cannot open CSV file: {}", path, std::strerror(errno)));
  Parser p(path, max_record_bytes, check);
  char buf[1 << 16];
  std::size_t n = 0;
  try {
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) p.feed(std::string_view(buf, n));
  } catch (...) {
    std::fclose(f);
    throw;
  }
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw Error(fmt::format("{}: cannot read CSV file", path));
  return p.finish();
}

void warn_unknown_columns(const Table& t, const std::vector<std::string>& known) {
  constexpr std::size_t kListed = 20;
  const std::unordered_set<std::string_view> is_known(known.begin(), known.end());
  std::vector<std::string_view> unknown;
  std::size_t n = 0;
  for (const auto& h : t.columns)
    if (!is_known.contains(h) && n++ < kListed) unknown.push_back(h);
  if (n == 0) return;
  const std::string more = n > kListed ? fmt::format(" and {} more", n - kListed) : "";
  warn(fmt::format("{}: ignoring unknown column{} {}{}", t.source, n > 1 ? "s" : "", fmt::join(unknown, ", "), more));
}

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
  std::ostringstream out;
  write_row(out, header);
  for (const auto& r : rows) write_row(out, r);
  write_file_atomic(path, out.str());
}

std::string to_text(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::ostringstream out;
  write_row(out, header);
  for (const auto& r : rows) write_row(out, r);
  return out.str();
}

}  // namespace sceval::csv

namespace sceval {

std::optional<std::size_t> Table::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  return std::nullopt;
}

std::size_t Table::require_column(std::string_view name) const {
  if (auto c = column(name)) return *c;
  throw Error(fmt::format("{}: missing column '{}' in the header", source, name));
}

std::string Table::where(std::size_t row, std::size_t col) const {
  return fmt::format("{}:{}, column '{}'", source, row_lines.at(row),
                     col < columns.size() ? columns[col] : std::to_string(col + 1));
}

void Table::check_shape() {
  if (source.empty()) source = "table";
  const bool lines = row_lines.size() == rows.size();
  if (!lines) row_lines.clear();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (!lines) row_lines.push_back(r + 2);  // as a CSV file, header on line 1
    if (rows[r].size() == columns.size()) continue;
    if (lines)
      throw Error(
          fmt::format("{}:{}: {} fields, the header has {}", source, row_lines[r], rows[r].size(), columns.size()));
    throw Error(fmt::format("{}: row {} has {} cells for {} columns", source, r + 1, rows[r].size(), columns.size()));
  }
}

std::string Table::to_csv() const { return csv::to_text(columns, rows); }
void Table::write_csv(const std::string& path) const { csv::write_file(path, columns, rows); }

// Both keep each row's line in the file, so later errors (score, closest) name the right line.
Table Table::parse_csv(std::string_view text, std::string source) { return csv::parse(text, std::move(source)); }

Table Table::read_csv(const std::string& path, const std::vector<std::string>& required) {
  return csv::read_file(path, csv::kMaxRecordBytes,
                        required.empty() ? csv::HeaderCheck{} : csv::require_columns(required));
}

}  // namespace sceval
