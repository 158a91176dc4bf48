#include "llm/cache/cache_transfer.h"

#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/sha256.h"

namespace sceval::llm {

using nlohmann::json;
using nlohmann::ordered_json;

bool wins_over(const CacheEntry& a, const CacheEntry& b) {
  if (a.status != b.status) return a.status == CacheStatus::Ok;
  if (a.created_at != b.created_at) return a.created_at < b.created_at;
  return a.response < b.response;
}

namespace {

CacheOpenOptions read_only() {
  CacheOpenOptions o;
  o.read_only = true;
  return o;
}

// Writes the rows of `pending` that win over what `target` holds.
void apply(ResponseCache& target, std::vector<CacheEntry>& pending, MergeStats& st) {
  std::vector<CacheEntry> write;
  for (auto& e : pending) {
    auto have = target.lookup(e.key);
    if (!have) ++st.added;
    else if (wins_over(e, *have)) ++st.replaced;
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

}  // namespace

MergeStats merge_into(ResponseCache& target, ResponseCache& source, std::size_t chunk) {
  if (std::filesystem::equivalent(target.path(), source.path()))
    throw Error(fmt::format("cache merge: {} is both a source and the target", source.path()));
  MergeStats st;
  std::vector<CacheEntry> rows;
  source.for_each([&](const CacheEntry& e) { rows.push_back(e); });  // the source is read before writing
  std::vector<CacheEntry> pending;
  for (auto& e : rows) {
    ++st.read;
    pending.push_back(std::move(e));
    if (pending.size() >= chunk) apply(target, pending, st);
  }
  apply(target, pending, st);
  return st;
}

MergeStats merge_caches(const std::vector<std::string>& sources, const std::string& output) {
  if (sources.empty()) throw Error("cache merge: no source caches");
  if (std::filesystem::exists(output))
    throw Error(fmt::format("cache merge: {} exists (name a new file, or list it as a source)", output));
  for (const auto& s : sources)
    if (!std::filesystem::exists(s)) throw Error(fmt::format("cache merge: {}: no such file", s));
  ResponseCache target(output);
  MergeStats total;
  for (const auto& s : sources) {
    ResponseCache src(s, read_only());
    const MergeStats st = merge_into(target, src);
    total.read += st.read;
    total.added += st.added;
    total.replaced += st.replaced;
    total.kept += st.kept;
  }
  return total;
}

std::size_t export_jsonl(ResponseCache& cache, std::ostream& out) {
  std::size_t n = 0;
  cache.for_each([&](const CacheEntry& e) {
    ordered_json j{{"key", e.key},         {"kind", std::string(to_string(e.kind))},
                   {"backend", e.backend}, {"request", e.request},
                   {"response", e.response}, {"status", e.status == CacheStatus::Ok ? "ok" : "error"},
                   {"error", e.error},     {"created_at", e.created_at},
                   {"elapsed", e.elapsed}, {"batch_size", e.batch_size}};
    // Requests hold invalid UTF-8 only as canonical {"hex": ...}; answers were repaired (U+FFFD)
    // before they were stored, so a strict dump loses nothing (and throws rather than alter a byte).
    try {
      out << j.dump(-1, ' ', false, json::error_handler_t::strict) << '\n';
    } catch (const json::exception& err) {
      throw Error(fmt::format("cache export: row {}: {}", e.key, err.what()));
    }
    ++n;
  });
  if (!out) throw Error("cache export: write failed");
  return n;
}

std::size_t export_jsonl(const std::string& cache_path, const std::string& jsonl_path) {
  ResponseCache cache(cache_path, read_only());
  std::ofstream out(jsonl_path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(fmt::format("{}: cannot open for writing", jsonl_path));
  const std::size_t n = export_jsonl(cache, out);
  out.close();
  if (!out) throw Error(fmt::format("{}: write failed", jsonl_path));
  return n;
}

namespace {

CacheEntry entry_from_line(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: not JSON ({})", where, e.what()));
  }
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
  auto str = [&](const char* field) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) throw Error(fmt::format("{}: field \"{}\": expected a string", where, field));
    return it->get<std::string>();
  };
  CacheEntry e;
  e.key = str("key");
  try {
    e.kind = request_kind_from_string(str("kind"));
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
  auto num = [&](const char* field) -> const json& {
    auto it = j.find(field);
    if (it == j.end() || !it->is_number()) throw Error(fmt::format("{}: field \"{}\": expected a number", where, field));
    return *it;
  };
  e.elapsed = num("elapsed").get<double>();
  e.batch_size = num("batch_size").get<int>();
  if (sha256_hex(e.request) != e.key)
    throw Error(fmt::format("{}: field \"key\": not the sha256 of the request", where));
  return e;
}

}  // namespace

MergeStats import_jsonl(ResponseCache& cache, std::istream& in, const std::string& where, std::size_t chunk) {
  MergeStats st;
  std::vector<CacheEntry> rows;  // every line is checked before anything is written
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rows.push_back(entry_from_line(line, fmt::format("{}:{}", where, n)));
  }
  std::vector<CacheEntry> pending;
  for (auto& e : rows) {
    ++st.read;
    pending.push_back(std::move(e));
    if (pending.size() >= chunk) apply(cache, pending, st);
  }
  apply(cache, pending, st);
  return st;
}

MergeStats import_jsonl(const std::string& jsonl_path, const std::string& cache_path) {
  std::ifstream in(jsonl_path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open", jsonl_path));
  ResponseCache cache(cache_path);
  return import_jsonl(cache, in, jsonl_path);
}

}  // namespace sceval::llm
