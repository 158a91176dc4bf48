#include "llm/cache/cache_transfer.h"

#include <unistd.h>

#include <cctype>
#include <climits>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/exclusive.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "common/redact.h"
#include "common/sha256.h"
#include "llm/cache/canonical.h"

namespace sceval::llm {

using nlohmann::json;
using nlohmann::ordered_json;

bool wins_over(const CacheEntry& a, const CacheEntry& b) {
  if (a.status != b.status) return a.status == CacheStatus::Ok;
  if (a.created_at != b.created_at) return a.created_at < b.created_at;
  return a.response < b.response;
}

namespace {

// Cache rows hold sceval's own JSON: seeds may be uint64 (as in response_cache.cpp).
const JsonLimits kRequestLimits{.max_depth = 256, .allow_duplicate_keys = false, .int64_only = false};

CacheOpenOptions read_only() {
  CacheOpenOptions o;
  o.read_only = true;
  return o;
}

// Writes the rows of `pending` that win over what `target` holds. Two pending rows of one key (an
// export listing a key twice, or two rows that differed only in URL credentials) meet by the rule too.
void apply(ResponseCache& target, std::vector<CacheEntry>& pending, MergeStats& st) {
  std::map<std::string, CacheEntry> best;
  for (auto& e : pending) {
    auto [it, fresh] = best.try_emplace(e.key, e);
    if (fresh) continue;
    ++st.kept;
    if (wins_over(e, it->second)) it->second = std::move(e);
  }
  std::vector<CacheEntry> write;
  for (auto& [key, e] : best) {
    auto have = target.lookup(key);
    if (!have)
      ++st.added;
    else if (wins_over(e, *have))
      ++st.replaced;
    else {
      ++st.kept;
      continue;
    }
    write.push_back(std::move(e));
  }
  // put_batch never lets an error replace an ok row, which the rule above agrees with.
  target.put_batch(write);
  pending.clear();
}

MergeStats add_rows(ResponseCache& target, std::vector<CacheEntry> rows, std::size_t chunk) {
  MergeStats st;
  std::vector<CacheEntry> pending;
  for (auto& e : rows) {
    ++st.read;
    pending.push_back(std::move(e));
    if (pending.size() >= chunk) apply(target, pending, st);
  }
  apply(target, pending, st);
  return st;
}

}  // namespace

CacheEntry without_credentials(CacheEntry e, const std::string& where) {
  e.backend = without_url_credentials(e.backend);
  e.error = without_url_credentials(e.error);
  if (e.status == CacheStatus::Error) e.response = without_url_credentials(e.response);  // an error, not an answer
  // The identity inside the request; {"hex": ...} would hide a "://" from a text search.
  if (e.request.find("://") == std::string::npos && e.request.find("\"hex\"") == std::string::npos) return e;
  json req = parse_json_bounded(e.request, where + ": field \"request\"", kRequestLimits);
  auto it = req.is_object() ? req.find("backend") : req.end();
  if (it == req.end()) return e;
  std::string identity;
  try {
    identity = bytes_from_json(*it);
  } catch (const Error& err) {
    throw Error(fmt::format("{}: field \"request\": backend: {}", where, err.what()));
  }
  const std::string clean = without_url_credentials(identity);
  if (clean == identity) return e;
  *it = bytes_to_json(clean);
  e.request = canonical_dump(req);  // as cache_request() builds it from the stripped identity
  e.key = sha256_hex(e.request);
  return e;
}

MergeStats merge_into(ResponseCache& target, ResponseCache& source, std::size_t chunk) {
  std::error_code ec;
  if (std::filesystem::equivalent(target.path(), source.path(), ec))
    throw Error(fmt::format("cache merge: {} is both a source and the target", source.path()));
  std::vector<CacheEntry> rows;  // the source is read before writing
  source.for_each([&](const CacheEntry& e) {
    rows.push_back(without_credentials(e, fmt::format("{}: entry {}", source.path(), e.key)));
  });
  return add_rows(target, std::move(rows), chunk);
}

MergeStats merge_caches(const std::vector<std::string>& sources, const std::string& output) {
  if (sources.empty()) throw Error("cache merge: no source caches");
  if (path_exists(output))
    throw Error(fmt::format("cache merge: {} exists (name a new file, or list it as a source)", output));
  for (const auto& s : sources)
    if (!path_exists(s)) throw Error(fmt::format("cache merge: {}: no such file", s));
  std::vector<std::unique_ptr<ResponseCache>> opened;  // every source opens before the target is created
  for (const auto& s : sources) opened.push_back(std::make_unique<ResponseCache>(s, read_only()));
  // Merged into a temporary file, put in place whole once closed: a source row that fails midway
  // leaves no partial output.
  // Created exclusively at a random name beside the output (SQLite takes the empty file as a new
  // database): a link planted at a predictable name could otherwise redirect the merge elsewhere.
  const std::filesystem::path out_path(output);
  std::unique_ptr<std::ostream> created;
  const std::string tmp = create_temporary_file(out_path.has_parent_path() ? out_path.parent_path() : ".",
                                                out_path.filename().string(), created);
  created.reset();
  auto remove_tmp = [&tmp] {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((tmp + suffix).c_str());
  };
  MergeStats total;
  try {
    ResponseCache target(tmp);
    for (auto& src : opened) {
      const MergeStats st = merge_into(target, *src);
      total.read += st.read;
      total.added += st.added;
      total.replaced += st.replaced;
      total.kept += st.kept;
    }
  } catch (...) {
    remove_tmp();
    throw;
  }
  std::error_code ec;  // closed above: its write-ahead log is folded into the file
  std::filesystem::rename(tmp, output, ec);
  if (ec) {
    remove_tmp();
    throw_fs_error(output, "replace", ec);
  }
  return total;
}

std::size_t export_jsonl(ResponseCache& cache, std::ostream& out) {
  std::size_t n = 0;
  cache.for_each([&](const CacheEntry& row) {
    const CacheEntry e = without_credentials(row, fmt::format("{}: entry {}", cache.path(), row.key));
    ordered_json j{{"key", e.key},           {"kind", std::string(to_string(e.kind))},
                   {"backend", e.backend},   {"request", e.request},
                   {"response", e.response}, {"status", e.status == CacheStatus::Ok ? "ok" : "error"},
                   {"error", e.error},       {"created_at", e.created_at},
                   {"elapsed", e.elapsed},   {"batch_size", e.batch_size}};
    // Requests hold invalid UTF-8 only as canonical {"hex": ...}; answers were repaired (U+FFFD)
    // before they were stored, so a strict dump loses nothing (and throws rather than alter a byte).
    try {
      out << j.dump(-1, ' ', false, json::error_handler_t::strict) << '\n';
    } catch (const json::exception& err) {
      throw Error(fmt::format("{}: entry {}: cannot export it (a damaged row?): {}", cache.path(), e.key, err.what()));
    }
    ++n;
  });
  return n;  // a failed write is the caller's to report: it knows the file (AtomicWriter::commit)
}

std::size_t export_jsonl(const std::string& cache_path, const std::string& jsonl_path) {
  refuse_overwriting_inputs(jsonl_path, {cache_path});  // `-o` the cache itself replaced it by its JSONL
  AtomicWriter out(jsonl_path);                         // a bad -o fails before the cache is opened
  ResponseCache cache(cache_path, read_only());
  const std::size_t n = export_jsonl(cache, out.out());
  out.commit();
  return n;
}

namespace {

// Clocks of two machines differ a little; a row from further ahead would win every merge and
// conflict (wins_over: the older row is kept, rows compare by this text) for the wrong reason.
constexpr std::time_t kFutureTolerance = 3600;

// created_at as sceval writes it (UTC, "2026-01-31T12:00:00.123Z"; fraction optional): rows are
// ordered by this text, so any other text would reorder which answer a merge keeps.
void check_created_at(const std::string& v, const std::string& where) {
  auto fail = [&](std::string_view why) {
    const std::string shown = v.size() > 40 ? v.substr(0, 40) + "..." : v;
    throw Error(fmt::format("{}: field \"created_at\": \"{}\" {}", where, shown, why));
  };
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  bool shaped = v.size() > kShape.size();
  for (std::size_t k = 0; shaped && k < kShape.size(); ++k)
    shaped = kShape[k] == 'd' ? std::isdigit(static_cast<unsigned char>(v[k])) != 0 : v[k] == kShape[k];
  std::tm tm{};
  if (!shaped || std::sscanf(v.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                             &tm.tm_min, &tm.tm_sec) != 6)
    fail("is not a UTC timestamp (expected YYYY-MM-DDTHH:MM:SS[.fff]Z, as sceval writes)");
  std::size_t i = kShape.size();
  if (v[i] == '.') {
    const std::size_t digits = v.find_first_not_of("0123456789", i + 1);
    if (digits == i + 1 || digits == std::string::npos) fail("is not a UTC timestamp (a '.' needs digits after it)");
    i = digits;
  }
  if (i + 1 != v.size() || v[i] != 'Z') fail("is not a UTC timestamp (expected it to end in Z, UTC)");
  const std::tm asked = tm;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = timegm(&tm);  // normalises an impossible date (Feb 30): compared below
  if (t == static_cast<std::time_t>(-1) || tm.tm_year + 1900 != asked.tm_year || tm.tm_mon + 1 != asked.tm_mon ||
      tm.tm_mday != asked.tm_mday || tm.tm_hour != asked.tm_hour || tm.tm_min != asked.tm_min ||
      tm.tm_sec != asked.tm_sec)
    fail("is not a valid date and time");
  if (t > std::time(nullptr) + kFutureTolerance)
    fail("is in the future (more than an hour after this machine's clock)");
}

CacheEntry entry_from_line(const std::string& text, const std::string& where) {
  const json j = parse_json_bounded(text, where);
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
  auto str = [&](const char* field) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string())
      throw Error(fmt::format("{}: field \"{}\": expected a string", where, field));
    return it->get<std::string>();
  };
  CacheEntry e;
  e.key = str("key");
  const std::string kind = str("kind");
  try {
    e.kind = request_kind_from_string(kind);
  } catch (const Error& err) {
    throw Error(fmt::format("{}: field \"kind\": {}", where, err.what()));
  }
  e.backend = str("backend");
  e.request = str("request");
  e.response = str("response");
  const std::string status = str("status");
  if (status != "ok" && status != "error")
    throw Error(fmt::format("{}: field \"status\": expected ok or error, got \"{}\"", where, status));
  e.status = status == "ok" ? CacheStatus::Ok : CacheStatus::Error;
  e.error = str("error");
  e.created_at = str("created_at");
  check_created_at(e.created_at, where);
  auto it = j.find("elapsed");
  if (it == j.end() || !it->is_number() || !(it->get<double>() >= 0) || !std::isfinite(it->get<double>()))
    throw Error(fmt::format("{}: field \"elapsed\": expected a number of seconds >= 0", where));
  e.elapsed = it->get<double>();
  it = j.find("batch_size");
  if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > INT_MAX)
    throw Error(fmt::format("{}: field \"batch_size\": expected a count of requests", where));
  e.batch_size = static_cast<int>(it->get<std::int64_t>());
  if (sha256_hex(e.request) != e.key)
    throw Error(fmt::format("{}: field \"key\": not the sha256 of the request", where));
  return without_credentials(std::move(e), where);
}

}  // namespace

std::vector<CacheEntry> read_jsonl(const std::string& jsonl_path, std::size_t max_line_bytes) {
  LineReader in(jsonl_path, "cache export", max_line_bytes);
  std::vector<CacheEntry> rows;
  std::string line;
  while (in.next(line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rows.push_back(entry_from_line(line, fmt::format("{}:{}", jsonl_path, in.line_number())));
  }
  return rows;
}

MergeStats import_jsonl(const std::string& jsonl_path, const std::string& cache_path, std::size_t max_line_bytes) {
  std::vector<CacheEntry> rows = read_jsonl(jsonl_path, max_line_bytes);  // every line is checked first
  ResponseCache cache(cache_path);
  return add_rows(cache, std::move(rows), 2000);
}

}  // namespace sceval::llm
