// cache import: created_at orders rows (the older answer wins a merge), so a value that is no
// timestamp, or one from the future, is refused naming the line and the field; nothing is imported.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "error_helpers.h"
#include "common/sha256.h"
#include "llm/cache/cache_transfer.h"
#include "llm/cache/canonical.h"

namespace sceval::llm {
namespace {

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

TEST(HostileCache, ImportTakesTimestampsAsScevalWritesThem) {
  for (const char* ok : {"2026-01-31T12:00:00.123Z", "2024-02-29T23:59:59Z", "1999-01-01T00:00:00.5Z"}) {
    sceval::testing::ScratchDir d;
    const std::string jsonl = d.write("rows.jsonl", row("q", ok) + "\n");
    EXPECT_EQ(import_jsonl(jsonl, d.file("c.sqlite")).added, 1u) << ok;
  }
}

TEST(HostileCache, ImportRefusesACreatedAtThatIsNoTimestamp) {
  for (const char* bad : {"", "yesterday", "2026-01-31 12:00:00Z", "2026-01-31T12:00:00", "2026-01-31T12:00:00+01:00",
                          "2026-02-30T12:00:00Z", "2026-01-31T24:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-01-31T12:00:00.Z", "+026-01-31T12:00:00Z", "zzzz"}) {
    const std::string e = import_error(bad);
    EXPECT_TRUE(has(e, "rows.jsonl:2: field \"created_at\": \"" + std::string(bad) + "\"")) << bad << ": " << e;
  }
}

TEST(HostileCache, ImportRefusesACreatedAtInTheFuture) {
  const std::string e = import_error("2999-01-01T00:00:00.000Z");
  EXPECT_TRUE(has(e, "rows.jsonl:2: field \"created_at\": \"2999-01-01T00:00:00.000Z\" is in the future")) << e;
}

TEST(HostileCache, ImportRefusesANegativeElapsed) {
  const std::string e = import_error("2026-01-01T00:00:00.000Z", -1);
  EXPECT_TRUE(has(e, "rows.jsonl:2: field \"elapsed\"")) << e;
}

}  // namespace
}  // namespace sceval::llm
