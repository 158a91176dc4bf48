// Pooling response caches: merge = union with the documented conflict rule (checked against a rule
// written out here, independently of the code), merge order does not matter, and export -> import
// is a byte-identical round trip; a bad JSONL line is refused with its line and field.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/sha256.h"
#include "error_helpers.h"
#include "llm/cache/cache_transfer.h"
#include "llm/cache/canonical.h"
#include "scratch_dir.h"

namespace sceval::llm {
namespace {

namespace fs = std::filesystem;

using testing::ScratchDir;

GenerationRequest request_for(int i) {
  GenerationRequest r;
  r.messages = {{"user", "point " + std::to_string(i)}};
  return r;
}

// Row i as written by source `who`, `ok` or an error, at second `t` of the day.
CacheEntry row(int i, const std::string& who, bool ok, int t) {
  const CacheRequest key = cache_request("test-model", request_for(i));
  Generation g;
  g.text = fmt::format("answer {} from {} \xC3\xA9\n\"quoted\"", i, who);  // UTF-8, newline, quote
  if (!ok) {
    g.finish = FinishReason::Error;
    g.error = "HTTP 500 from " + who;
  }
  CacheEntry e = make_entry(key, g, 0.25 * i, 4);
  e.created_at = fmt::format("2026-01-01T00:{:02}:{:02}.000Z", t / 60, t % 60);
  return e;
}

std::map<std::string, CacheEntry> rows_of(ResponseCache& c) {
  std::map<std::string, CacheEntry> m;
  c.for_each([&](const CacheEntry& e) { m[e.key] = e; });
  return m;
}

void expect_same(const CacheEntry& a, const CacheEntry& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.backend, b.backend);
  EXPECT_EQ(a.request, b.request);
  EXPECT_EQ(a.response, b.response);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.elapsed, b.elapsed);
  EXPECT_EQ(a.batch_size, b.batch_size);
}

// Shard A holds points 0..29, shard B 20..49. On the overlap: 20..24 both ok, B earlier on even
// points; 25..27 A error, B ok; 28..29 both errors, A earlier.
struct TwoShards {
  ScratchDir dir;
  std::vector<CacheEntry> a, b;
  TwoShards() {
    for (int i = 0; i < 30; ++i) a.push_back(row(i, "A", !(i >= 25 && i <= 29), 100 + i));
    for (int i = 20; i < 50; ++i) {
      const bool even = i % 2 == 0;
      b.push_back(row(i, "B", !(i >= 28 && i <= 29), i <= 24 ? (even ? 50 + i : 200 + i) : 300 + i));
    }
    ResponseCache ca(dir.file("a.sqlite")), cb(dir.file("b.sqlite"));
    ca.put_batch(a);
    cb.put_batch(b);
  }
  // The expected winner of each key, by the rule in cache_transfer.h written out by hand.
  std::map<std::string, CacheEntry> expected() const {
    std::map<std::string, CacheEntry> m;
    for (const auto& e : a) m[e.key] = e;
    for (const auto& e : b) {
      auto it = m.find(e.key);
      if (it == m.end()) {
        m[e.key] = e;
        continue;
      }
      const CacheEntry& have = it->second;
      const bool b_ok = e.status == CacheStatus::Ok, a_ok = have.status == CacheStatus::Ok;
      bool take_b;
      if (b_ok != a_ok)
        take_b = b_ok;
      else if (e.created_at != have.created_at)
        take_b = e.created_at < have.created_at;
      else
        take_b = e.response < have.response;
      if (take_b) it->second = e;
    }
    return m;
  }
};

TEST(CacheTransfer, MergeIsTheUnionByTheConflictRule) {
  TwoShards s;
  const auto st = merge_caches({s.dir.file("a.sqlite"), s.dir.file("b.sqlite")}, s.dir.file("ab.sqlite"));
  EXPECT_EQ(st.read, 60u);
  EXPECT_EQ(st.added, 50u);
  ResponseCache ab(s.dir.file("ab.sqlite"));
  const auto got = rows_of(ab);
  const auto want = s.expected();
  ASSERT_EQ(got.size(), 50u);
  ASSERT_EQ(want.size(), 50u);
  for (const auto& [k, e] : want) {
    ASSERT_TRUE(got.contains(k));
    expect_same(got.at(k), e);
  }
  // Spot checks of the rule: ok beats error; the earlier answer wins between two ok rows.
  EXPECT_NE(got.at(row(25, "B", true, 0).key).response.find("from B"), std::string::npos);
  EXPECT_NE(got.at(row(20, "B", true, 0).key).response.find("from B"), std::string::npos);  // B earlier
  EXPECT_NE(got.at(row(21, "A", true, 0).key).response.find("from A"), std::string::npos);  // A earlier
  EXPECT_EQ(ab.verify().ok(), true);

  // Order does not matter.
  merge_caches({s.dir.file("b.sqlite"), s.dir.file("a.sqlite")}, s.dir.file("ba.sqlite"));
  ResponseCache ba(s.dir.file("ba.sqlite"));
  const auto got2 = rows_of(ba);
  ASSERT_EQ(got2.size(), got.size());
  for (const auto& [k, e] : got) expect_same(got2.at(k), e);
}

TEST(CacheTransfer, MergeRefusesAnExistingOutputAndMissingSources) {
  TwoShards s;
  EXPECT_THROW(merge_caches({s.dir.file("a.sqlite")}, s.dir.file("b.sqlite")), Error);
  EXPECT_THROW(merge_caches({s.dir.file("nope.sqlite")}, s.dir.file("c.sqlite")), Error);
  EXPECT_FALSE(fs::exists(s.dir.file("c.sqlite")));
}

TEST(CacheTransfer, ExportImportRoundTripIsByteIdentical) {
  TwoShards s;
  const std::string jsonl = s.dir.file("a.jsonl");
  EXPECT_EQ(export_jsonl(s.dir.file("a.sqlite"), jsonl), 30u);
  const auto st = import_jsonl(jsonl, s.dir.file("copy.sqlite"));
  EXPECT_EQ(st.read, 30u);
  EXPECT_EQ(st.added, 30u);
  ResponseCache a(s.dir.file("a.sqlite")), copy(s.dir.file("copy.sqlite"));
  const auto want = rows_of(a), got = rows_of(copy);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [k, e] : want) expect_same(got.at(k), e);
  // Exporting the copy gives the same bytes.
  export_jsonl(s.dir.file("copy.sqlite"), s.dir.file("copy.jsonl"));
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(slurp(jsonl), slurp(s.dir.file("copy.jsonl")));
  // Importing again changes nothing.
  const auto again = import_jsonl(jsonl, s.dir.file("copy.sqlite"));
  EXPECT_EQ(again.added + again.replaced, 0u);
}

TEST(CacheTransfer, ImportRefusesABadLineNamingLineAndField) {
  TwoShards s;
  const std::string jsonl = s.dir.file("a.jsonl");
  export_jsonl(s.dir.file("a.sqlite"), jsonl);
  std::ifstream in(jsonl);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto write_with = [&](std::size_t k, const std::string& replacement) {
    std::ofstream out(s.dir.file("bad.jsonl"), std::ios::trunc);
    for (std::size_t i = 0; i < lines.size(); ++i) out << (i == k ? replacement : lines[i]) << '\n';
  };
  auto message = [&] {
    try {
      import_jsonl(s.dir.file("bad.jsonl"), s.dir.file("bad.sqlite"));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string tampered = lines[2];
  tampered.replace(tampered.find("point"), 5, "poinT");  // the request no longer matches its key
  write_with(2, tampered);
  EXPECT_NE(message().find("bad.jsonl:3: field \"key\""), std::string::npos) << message();
  write_with(4, "{\"key\": 1}");
  EXPECT_NE(message().find("bad.jsonl:5: field \"key\": expected a string"), std::string::npos) << message();
  write_with(0, "not json");
  EXPECT_NE(message().find("bad.jsonl:1:1:2: invalid JSON"), std::string::npos) << message();  // file:line, then col
  ResponseCache bad(s.dir.file("bad.sqlite"));
  EXPECT_EQ(bad.size(), 0u);  // nothing written from a file with a bad line
}

// cache import: created_at orders rows (the older answer wins a merge), so a value that is no
// timestamp, or one from the future, is refused naming the line and the field; nothing is imported.

using nlohmann::ordered_json;
using sceval::testing::error_of;
using sceval::testing::has;

// One exported row of a generate request, with created_at as given.
std::string row(const std::string& question, const std::string& created_at, double elapsed = 0.5) {
  GenerationRequest g;
  g.messages = {{"user", question}};
  CacheRequest r;
  r.kind = RequestKind::Generate;
  r.identity = "openai:m@http://host/v1";
  r.canonical = canonical_dump(canonical_request_json(r.identity, g));
  r.key = sha256_hex(r.canonical);
  Generation answer;
  answer.text = "yes";
  CacheEntry e = make_entry(r, answer);
  return ordered_json{{"key", e.key},         {"kind", "generate"},       {"backend", e.backend},
                      {"request", e.request}, {"response", e.response},   {"status", "ok"},
                      {"error", ""},          {"created_at", created_at}, {"elapsed", elapsed},
                      {"batch_size", 1}}
      .dump();
}

std::string import_error(const std::string& created_at, double elapsed = 0.5) {
  sceval::testing::ScratchDir d;
  const std::string jsonl =
      d.write("rows.jsonl", row("q1", "2026-01-01T00:00:00.000Z") + "\n" + row("q2", created_at, elapsed) + "\n");
  const std::string cache = d.file("c.sqlite");
  const std::string e = error_of([&] { import_jsonl(jsonl, cache); });
  EXPECT_FALSE(std::filesystem::exists(cache)) << "a refused import wrote " << cache;
  return e;
}

TEST(CacheImportTimestamps, ImportTakesTimestampsAsScevalWritesThem) {
  for (const char* ok : {"2026-01-31T12:00:00.123Z", "2024-02-29T23:59:59Z", "1999-01-01T00:00:00.5Z"}) {
    sceval::testing::ScratchDir d;
    const std::string jsonl = d.write("rows.jsonl", row("q", ok) + "\n");
    EXPECT_EQ(import_jsonl(jsonl, d.file("c.sqlite")).added, 1u) << ok;
  }
}

TEST(CacheImportTimestamps, ImportRefusesACreatedAtThatIsNoTimestamp) {
  for (const char* bad : {"", "yesterday", "2026-01-31 12:00:00Z", "2026-01-31T12:00:00", "2026-01-31T12:00:00+01:00",
                          "2026-02-30T12:00:00Z", "2026-01-31T24:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-01-31T12:00:00.Z", "+026-01-31T12:00:00Z", "zzzz"}) {
    const std::string e = import_error(bad);
    EXPECT_TRUE(has(e, "rows.jsonl:2: field \"created_at\": \"" + std::string(bad) + "\"")) << bad << ": " << e;
  }
}

TEST(CacheImportTimestamps, ImportRefusesACreatedAtInTheFuture) {
  const std::string e = import_error("2999-01-01T00:00:00.000Z");
  EXPECT_TRUE(has(e, "rows.jsonl:2: field \"created_at\": \"2999-01-01T00:00:00.000Z\" is in the future")) << e;
}

TEST(CacheImportTimestamps, ImportRefusesANegativeElapsed) {
  const std::string e = import_error("2026-01-01T00:00:00.000Z", -1);
  EXPECT_TRUE(has(e, "rows.jsonl:2: field \"elapsed\"")) << e;
}

}  // namespace
}  // namespace sceval::llm
