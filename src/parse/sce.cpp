// Reading a self-generated counterfactual the way the paper's code does (HarryMayne/SCEs, MIT,
// Copyright (c) 2025 Harry Mayne): main.py (parse_json_from_text, dict_keys_to_numbers, the
// var_names_map loop), utils._normalize, and the float conversions of income_postprocessing /
// house_prices_postprocessing / heart_disease_postprocessing.
#include "parse/sce.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <exception>

#include "parse/answer.h"
#include "parse/python.h"
#include "parse/unicode.h"

namespace sceval::parse {
namespace {

using task::Feature;
using task::FeatureType;

constexpr std::array<std::string_view, 8> kStatusNames = {
    "ok", "no_json", "malformed_json", "not_an_object", "missing_key", "unknown_level", "non_numeric", "off_grid"};

// main.py's var_names_map keys.
constexpr std::array<std::string_view, 16> kPaperKeys = {"age",
                                                         "class_of_worker",
                                                         "education",
                                                         "marital_status",
                                                         "occupation",
                                                         "place_of_birth",
                                                         "relationship_to_person",
                                                         "hours_worked",
                                                         "sex",
                                                         "race",
                                                         "area",
                                                         "bedrooms",
                                                         "bathrooms",
                                                         "floors",
                                                         "systolic_bp",
                                                         "total_cholesterol"};

std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return py::float_repr(v);
}

// At most `n` bytes of UTF-8 text, cut at a character boundary, "..." marking a cut.
std::string shorten(std::string_view s, std::size_t n = 80) {
  if (s.size() <= n) return std::string(s);
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

std::string quote_text(std::string_view s) {
  std::string out(1, '"');
  out += shorten(s);
  out += '"';
  return out;
}

std::string value_text(const Json& v) {
  if (v.is_string()) return quote_text(v.get_ref<const std::string&>());
  return shorten(v.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::optional<std::size_t> integer_position(const Feature& f, double v) {
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) >= 9.0e18) return std::nullopt;
  std::int64_t lo = std::min(f.start, f.stop), hi = std::max(f.start, f.stop);
  auto c = static_cast<std::int64_t>(v);
  if (c < lo || c > hi) return std::nullopt;
  return f.position_of_code(c);
}

std::string axis_text(const Feature& f) {
  if (f.type == FeatureType::Integer)
    return std::to_string(f.start) + ".." + std::to_string(f.stop) +
           (f.step != 1 ? " step " + std::to_string(f.step) : "");
  std::string s;
  for (const auto& l : f.levels) s += (s.empty() ? "" : ", ") + std::to_string(l.code);
  return "codes " + s;
}

FeatureValue integer_value(const Feature& f, const Json& v) {
  FeatureValue out;
  auto fail = [&](std::string why) {
    out.status = Status::NonNumeric;
    out.value.reset();
    out.detail = value_text(v) + ": " + why;
    return out;
  };
  if (v.is_number()) {
    out.value = v.get<double>();
  } else if (f.number_parse == task::NumberParse::FirstInteger) {
    // income_postprocessing: general_string2num, then float(); a failure leaves None.
    if (v.is_string()) {
      out.value = py::first_integer(unicode::decode_utf8(v.get_ref<const std::string&>()));
      if (!out.value) return fail("no digits (first-integer rule)");
    } else if (v.is_null()) {
      return fail("null");
    } else {
      return fail("not a string or number (first-integer rule)");
    }
  } else {
    // house/heart postprocessing: float(value); ValueError leaves None.
    if (v.is_string()) {
      out.value = py::float_from_string(unicode::decode_utf8(v.get_ref<const std::string&>()));
      if (!out.value) return fail("not a number (Python float() rule)");
    } else if (v.is_boolean()) {
      out.value = v.get<bool>() ? 1.0 : 0.0;  // float(True) == 1.0
    } else if (v.is_null()) {
      return fail("null");
    } else {
      return fail("a list/object (the paper's float() raises TypeError here)");
    }
  }
  if (!std::isfinite(*out.value)) return fail("not a finite number");
  out.position = integer_position(f, *out.value);
  if (!out.position) {
    out.status = Status::OffGrid;
    out.detail = number_text(*out.value) + " is not on the grid (" + axis_text(f) + ")";
  }
  return out;
}

FeatureValue level_value(const Feature& f, const Json& v, const SceOptions& options) {
  FeatureValue out;
  // dict_keys_to_numbers: _normalize(str(value)) looked up among the normalised level texts
  // (built as a dict, so the last of equal normalised texts wins).
  std::string norm = py::normalize(py::str(v));
  std::optional<std::int64_t> code;
  for (std::size_t i = f.levels.size(); i-- > 0 && !code;)
    if (py::normalize(unicode::decode_utf8(f.levels[i].text)) == norm) code = f.levels[i].code;
  if (!code && f.grade_fallback) {
    // re.search(r"\b(\d{1,2})\b", norm): the first space-separated token of one or two digits.
    std::size_t p = 0;
    while (p < norm.size()) {
      std::size_t q = norm.find(' ', p);
      if (q == std::string::npos) q = norm.size();
      std::string_view tok(norm.data() + p, q - p);
      bool digits = !tok.empty() && std::all_of(tok.begin(), tok.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits && tok.size() <= 2) {
        std::int64_t g = std::stoll(std::string(tok));
        if (g >= f.grade_fallback->min && g <= f.grade_fallback->max) code = g + f.grade_fallback->offset;
        break;  // only the first such number is looked at
      }
      p = q + 1;
    }
  }
  if (!code && options.level_codes && !norm.empty() && norm.size() <= 18 &&
      std::all_of(norm.begin(), norm.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t c = std::stoll(norm);
    if (f.position_of_code(c)) code = c;
  }
  if (!code) {
    out.status = Status::UnknownLevel;
    out.detail = quote_text(unicode::encode_utf8(py::str(v))) + " matches no level";
    return out;
  }
  out.value = static_cast<double>(*code);
  out.position = f.position_of_code(*code);
  if (!out.position) {
    out.status = Status::OffGrid;
    out.detail = "code " + std::to_string(*code) + " is not on the grid (" + axis_text(f) + ")";
  }
  return out;
}

// Why a feature key was not read under the paper's exact, top-level lookup.
std::string missing_note(const Json& raw, const std::string& key, const std::string& stopped_at) {
  std::vector<std::string> notes;
  if (!stopped_at.empty())
    notes.push_back("the paper's code stops reading at the unknown key " + quote_text(stopped_at));
  std::u32string target = unicode::lower(unicode::decode_utf8(key));
  std::string differently_written;
  for (const auto& [k, v] : raw.items())
    if (k != key && unicode::lower(unicode::strip(unicode::decode_utf8(k))) == target) {
      differently_written = k;
      break;
    }
  if (!differently_written.empty())
    notes.push_back("the reply has " + quote_text(differently_written) + "; the paper's code matches keys exactly");
  else if (find_key(raw, key) != nullptr && !raw.contains(key))
    notes.push_back("the key is nested; the paper's code reads top-level keys only");
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? " (" : "; ") + n;
  return out.empty() ? out : out + ")";
}

bool parse_problem(Status s) { return s == Status::MissingKey || s == Status::UnknownLevel || s == Status::NonNumeric; }

}  // namespace

std::string_view to_string(Status s) {
  auto i = static_cast<std::size_t>(s);
  return i < kStatusNames.size() ? kStatusNames[i] : "?";
}

std::optional<Status> status_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == s) return static_cast<Status>(i);
  return std::nullopt;
}

bool is_paper_result_key(std::string_view key) {
  return std::find(kPaperKeys.begin(), kPaperKeys.end(), key) != kPaperKeys.end();
}

std::string normalize_level_text(std::string_view text) { return py::normalize(unicode::decode_utf8(text)); }

FeatureValue parse_feature_value(const Feature& f, const Json& v, const SceOptions& options) {
  return f.type == FeatureType::Integer ? integer_value(f, v) : level_value(f, v, options);
}

SceParse parse_sce(const task::Task& task, std::string_view reply, const SceOptions& options) noexcept {
  return parse_sce(task, parse_json_from_text(reply), options);
}

SceParse parse_sce(const task::Task& task, JsonParse jp, const SceOptions& options) noexcept {
  SceParse out;
  try {
    const std::size_t nf = task.features.size();
    out.values.assign(nf, std::nullopt);
    out.feature_status.assign(nf, Status::MissingKey);
    out.repair = jp.repair;
    if (!jp.ok()) {
      out.status = jp.failure == JsonFailure::NoJson ? Status::NoJson : Status::MalformedJson;
      out.detail = jp.detail;
      return out;
    }
    out.raw = std::move(*jp.value);
    const Json& raw = out.raw;

    std::vector<const Json*> found(nf, nullptr);
    std::string stopped_at;
    if (options.keys == KeyLookup::Paper) {
      if (!raw.is_object()) {
        out.status = Status::NotAnObject;
        out.detail = "the reply's JSON is an array; the paper's code reads features from an object only";
        return out;
      }
      // for k, v in fu_numeric.items(): local_results[var_names_map[k]] = v  (KeyError ends it)
      for (const auto& [k, v] : raw.items()) {
        bool known = false;
        for (std::size_t j = 0; j < nf; ++j)
          if (task.features[j].key == k) {
            found[j] = &v;
            known = true;
          }
        if (!known && !is_paper_result_key(k)) {
          stopped_at = k;
          break;
        }
      }
    } else {
      for (std::size_t j = 0; j < nf; ++j) found[j] = find_key(raw, task.features[j].key);
    }

    std::string problem, off_grid;
    grid::Record rec(nf);
    for (std::size_t j = 0; j < nf; ++j) {
      const Feature& f = task.features[j];
      if (found[j] == nullptr) {
        out.feature_status[j] = Status::MissingKey;
        if (problem.empty()) {
          out.status = Status::MissingKey;
          problem = "missing key " + quote_text(f.key) +
                    (options.keys == KeyLookup::Paper ? missing_note(raw, f.key, stopped_at) : std::string());
        }
        continue;
      }
      FeatureValue fv = parse_feature_value(f, *found[j], options);
      out.values[j] = fv.value;
      out.feature_status[j] = fv.status;
      if (fv.position) rec[j] = *fv.position;
      if (parse_problem(fv.status) && problem.empty()) {
        out.status = fv.status;
        problem = f.key + ": " + fv.detail;
      } else if (fv.status == Status::OffGrid && off_grid.empty()) {
        off_grid = f.key + ": " + fv.detail;
      }
    }
    if (!problem.empty()) {
      out.detail = std::move(problem);
    } else if (!off_grid.empty()) {
      out.status = Status::OffGrid;
      out.detail = std::move(off_grid);
    } else {
      out.status = Status::Ok;
      out.record = std::move(rec);
    }
  } catch (const std::exception& e) {
    out.status = Status::MalformedJson;
    out.detail = std::string("internal error: ") + e.what();
    out.record.reset();
  } catch (...) {
    out.status = Status::MalformedJson;
    out.detail = "internal error";
    out.record.reset();
  }
  return out;
}

}  // namespace sceval::parse
