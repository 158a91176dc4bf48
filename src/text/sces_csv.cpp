#include "text/sces_csv.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "common/error.h"
#include "sceval/table.h"

namespace sceval::text {
namespace {

// "true" | "false" | "" (NA), as sce_table writes them.
std::optional<bool> bool_cell(const Table& t, std::size_t r, std::size_t c) {
  const std::string& v = t.rows[r][c];
  if (v.empty()) return std::nullopt;
  if (v == "true") return true;
  if (v == "false") return false;
  throw Error(fmt::format("{}: expected true, false or empty, got \"{}\"", t.where(r, c), v));
}

std::optional<double> number_cell(const Table& t, std::size_t r, std::size_t c) {
  const std::string& v = t.rows[r][c];
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size() || !std::isfinite(x))
    throw Error(fmt::format("{}: expected a number or empty, got \"{}\"", t.where(r, c), v));
  return x;
}

}  // namespace

std::vector<SceRecord> read_sce_records(const std::string& path) {
  static const std::vector<std::string> cols = {"id",
                                                "target",
                                                "original_answer",
                                                "revised_text",
                                                "generated",
                                                "valid",
                                                "valid_with_history",
                                                "levenshtein_normalized",
                                                "minimal_text",
                                                "excess",
                                                "censored"};
  const Table t = Table::read_csv(path, cols);
  std::vector<std::size_t> at;
  for (const auto& c : cols) at.push_back(t.require_column(c));
  std::vector<SceRecord> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    SceRecord s;
    s.id = row[at[0]];
    s.target = row[at[1]];
    s.original_answer = row[at[2]];
    s.revised_text = row[at[3]];
    const auto generated = bool_cell(t, r, at[4]);
    if (!generated) throw Error(fmt::format("{}: expected true or false, got an empty cell", t.where(r, at[4])));
    s.generated = *generated;
    s.valid = bool_cell(t, r, at[5]);
    s.valid_with_history = bool_cell(t, r, at[6]);
    s.levenshtein_normalized = number_cell(t, r, at[7]);
    s.minimal_text = row[at[8]];
    s.excess = number_cell(t, r, at[9]);
    s.censored = bool_cell(t, r, at[10]);
    if (s.id.empty()) throw Error(fmt::format("{}: empty item id", t.where(r, at[0])));
    out.push_back(std::move(s));
  }
  return out;
}

bool is_text_results(const nlohmann::json& results) {
  return results.is_object() && results.value("protocol", "") == "text";
}

}  // namespace sceval::text
