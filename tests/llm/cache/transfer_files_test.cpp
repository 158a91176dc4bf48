// Hostile input, moving response caches between files (cache import / export / merge): only regular
// files are read, one line at a time with a bound; outputs appear whole or not at all; rows copied
// from an older or foreign file lose their URL credentials and keep the key the live path computes;
// filesystem failures are sceval::Errors naming the path.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "error_helpers.h"
#include "common/error.h"
#include "common/file.h"
#include "common/sha256.h"
#include "llm/cache/cache_transfer.h"
#include "llm/cache/caching_backend.h"

namespace sceval::llm {
namespace {

using sceval::testing::bytes_of_folder;
using sceval::testing::error_of;

namespace fs = std::filesystem;
using nlohmann::ordered_json;

const char* kSecretId = "openai:m@http://alice:hunter2secret@host:8080/v1";
const char* kCleanId = "openai:m@http://***@host:8080/v1";

using TempDir = sceval::testing::ScratchDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

GenerationRequest ask(const std::string& text) {
  GenerationRequest r;
  r.messages = {{"user", text}};
  return r;
}

// A row as sceval wrote it before URL credentials were stripped: the identity, password included,
// in the backend column, in the request and so in the key.
CacheEntry old_row(const std::string& identity, const std::string& question, const std::string& answer,
                   const std::string& created_at) {
  CacheRequest r;
  r.kind = RequestKind::Generate;
  r.identity = identity;
  r.canonical = canonical_dump(canonical_request_json(identity, ask(question)));
  r.key = sha256_hex(r.canonical);
  Generation g;
  g.text = answer;
  CacheEntry e = make_entry(r, g);
  e.created_at = created_at;
  return e;
}

std::string jsonl_line(const CacheEntry& e) {
  return ordered_json{{"key", e.key},           {"kind", "generate"},
                      {"backend", e.backend},   {"request", e.request},
                      {"response", e.response}, {"status", "ok"},
                      {"error", e.error},       {"created_at", e.created_at},
                      {"elapsed", e.elapsed},   {"batch_size", e.batch_size}}
      .dump();
}

class CountingBackend : public Backend {
 public:
  std::string id;
  std::size_t asked = 0;
  std::string identity() const override { return id; }
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override {
    std::vector<Generation> out(batch.size());
    for (auto& g : out) g.text = "fresh";
    asked += batch.size();
    return out;
  }
};

// The live path, with the password in its identity, must find `cache_path`'s row for `question`.
void expect_live_hit(const std::string& cache_path, const std::string& question, const std::string& answer) {
  CountingBackend inner;
  inner.id = kSecretId;
  CachingOptions o;
  o.path = cache_path;
  CachingBackend cached(inner, o);
  auto out = cached.generate(std::vector<GenerationRequest>{ask(question)});
  EXPECT_EQ(inner.asked, 0u) << "the imported row was not found by the live key";
  EXPECT_EQ(out[0].text, answer);
}

TEST(CacheTransferFiles, ImportStripsUrlCredentialsAndKeepsTheLiveKey) {
  TempDir d;
  fs::create_directory(d.path / "cache");
  const CacheEntry row = old_row(kSecretId, "q1", "old answer", "2026-01-01T00:00:00.000Z");
  std::ofstream(d.file("old.jsonl")) << jsonl_line(row) << '\n';
  const std::string cache = (d.path / "cache" / "c.sqlite").string();
  EXPECT_EQ(import_jsonl(d.file("old.jsonl"), cache).added, 1u);
  {
    ResponseCache c(cache);
    c.for_each([](const CacheEntry& e) {
      EXPECT_EQ(e.backend, kCleanId);
      EXPECT_EQ(e.key, cache_request(kSecretId, ask("q1")).key);  // what the live path computes
      EXPECT_EQ(e.request, cache_request(kSecretId, ask("q1")).canonical);
    });
    EXPECT_TRUE(c.verify().ok());
  }
  EXPECT_EQ(bytes_of_folder(d.path / "cache").find("hunter2"), std::string::npos);
  expect_live_hit(cache, "q1", "old answer");
  EXPECT_EQ(bytes_of_folder(d.path / "cache").find("hunter2"), std::string::npos);
}

TEST(CacheTransferFiles, MergeAndExportStripUrlCredentials) {
  TempDir d;
  fs::create_directory(d.path / "out");
  {  // an old cache: two rows that differ only in the password, and one without credentials
    ResponseCache old(d.file("old.sqlite"));
    old.put_batch(std::vector<CacheEntry>{
        old_row(kSecretId, "q1", "first", "2026-01-01T00:00:01.000Z"),
        old_row("openai:m@http://bob:other-secret@host:8080/v1", "q1", "second", "2026-01-01T00:00:02.000Z"),
        old_row("test-model", "q2", "plain", "2026-01-01T00:00:03.000Z")});
  }
  const std::string merged = (d.path / "out" / "merged.sqlite").string();
  const auto st = merge_caches({d.file("old.sqlite")}, merged);
  EXPECT_EQ(st.read, 3u);
  EXPECT_EQ(st.added, 2u);  // the two q1 rows are one key now: the earlier answer wins
  {
    ResponseCache m(merged);
    EXPECT_EQ(m.size(), 2u);
    EXPECT_TRUE(m.verify().ok());
  }
  expect_live_hit(merged, "q1", "first");
  const std::string jsonl = (d.path / "out" / "merged.jsonl").string();
  EXPECT_EQ(export_jsonl(d.file("old.sqlite"), jsonl), 3u);
  const std::string all = bytes_of_folder(d.path / "out");
  EXPECT_EQ(all.find("hunter2"), std::string::npos);
  EXPECT_EQ(all.find("other-secret"), std::string::npos);
  EXPECT_NE(slurp(jsonl).find(cache_request(kSecretId, ask("q1")).key), std::string::npos);
}

// A source row that cannot be merged (its request is not JSON) stops the merge after the first
// source was merged: nothing is left at the output path, not even a temporary file.
TEST(CacheTransferFiles, AFailedMergeLeavesNoPartialOutput) {
  TempDir d;
  fs::create_directory(d.path / "out");
  {
    ResponseCache good(d.file("good.sqlite"));
    good.put(old_row("test-model", "q1", "fine", "2026-01-01T00:00:01.000Z"));
    ResponseCache bad(d.file("bad.sqlite"));
    CacheEntry e = old_row("test-model", "q2", "fine", "2026-01-01T00:00:02.000Z");
    e.request = "{not json, but names http://host";
    bad.put(e);
  }
  const std::string merged = (d.path / "out" / "merged.sqlite").string();
  const std::string msg = error_of([&] { merge_caches({d.file("good.sqlite"), d.file("bad.sqlite")}, merged); });
  EXPECT_TRUE(sceval::testing::has(msg, "bad.sqlite: entry")) << msg;
  EXPECT_TRUE(fs::is_empty(d.path / "out")) << "a partial merge was left behind";
  EXPECT_EQ(merge_caches({d.file("good.sqlite")}, merged).added, 1u);  // and the same path works afterwards
}

// The merge's temporary database is created exclusively at a random name: a link planted at the
// name it had before (OUTPUT.tmp.<pid>) is never written through.
TEST(CacheTransferFiles, AMergeDoesNotFollowALinkAtATemporaryName) {
  TempDir d;
  {
    ResponseCache good(d.file("good.sqlite"));
    good.put(old_row("test-model", "q1", "fine", "2026-01-01T00:00:01.000Z"));
  }
  std::ofstream(d.file("victim")) << "untouched";
  const std::string merged = d.file("merged.sqlite");
  fs::create_symlink(d.file("victim"), fmt::format("{}.tmp.{}", merged, ::getpid()));
  EXPECT_EQ(merge_caches({d.file("good.sqlite")}, merged).added, 1u);
  EXPECT_EQ(slurp(d.file("victim")), "untouched");
  for (const auto& e : fs::directory_iterator(d.path))
    EXPECT_NE(e.path().filename().string().front(), '.') << "temporary left: " << e.path();
}

TEST(CacheTransferFiles, ImportReadsOnlyRegularFiles) {
  TempDir d;
  const std::string cache = d.file("c.sqlite");
  std::string msg = error_of([&] { import_jsonl("/dev/null", cache); });
  EXPECT_NE(msg.find("/dev/null: not a regular file"), std::string::npos) << msg;
  msg = error_of([&] { import_jsonl(d.path.string(), cache); });
  EXPECT_NE(msg.find("is a directory"), std::string::npos) << msg;

  // A FIFO is refused without being opened. Were it opened, this writer lets the read end (EOF),
  // so a regression fails here instead of hanging.
  const std::string fifo = d.file("rows.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done) {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) {
        ::close(fd);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  msg = error_of([&] { import_jsonl(fifo, cache); });
  done = true;
  writer.join();
  EXPECT_NE(msg.find("rows.fifo: not a regular file"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(cache));
}

TEST(CacheTransferFiles, ImportLinesAreBoundedAndNestingToo) {
  TempDir d;
  const std::string good = jsonl_line(old_row("test-model", "q", "a", "2026-01-01T00:00:00.000Z"));
  std::ofstream(d.file("long.jsonl")) << good << '\n' << std::string(3u << 20, 'x') << '\n';
  std::string msg = error_of([&] { import_jsonl(d.file("long.jsonl"), d.file("c.sqlite"), std::size_t{1} << 20); });
  EXPECT_NE(msg.find("long.jsonl:2: a line longer than 1 MiB"), std::string::npos) << msg;
  std::ofstream(d.file("deep.jsonl")) << good << '\n' << std::string(200000, '[') << '\n';
  msg = error_of([&] { import_jsonl(d.file("deep.jsonl"), d.file("c.sqlite")); });
  EXPECT_NE(msg.find("deep.jsonl:2:1:257: invalid JSON: nesting deeper than 256 levels"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(d.file("c.sqlite")));  // nothing created from a refused file
}

TEST(CacheTransferFiles, LineReaderSplitsLinesAcrossChunks) {
  TempDir d;
  const std::string big(100000, 'b');  // longer than one read chunk
  std::ofstream(d.file("t.txt"), std::ios::binary) << "a\r\n\n" << big << "\nlast";
  LineReader in(d.file("t.txt"), "text file");
  std::vector<std::string> lines;
  for (std::string l; in.next(l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "a");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], big);
  EXPECT_EQ(lines[3], "last");
  EXPECT_EQ(in.line_number(), 4u);
}

TEST(CacheTransferFiles, ExportIntoAMissingFolderSaysSoAndWritesNothing) {
  TempDir d;
  {
    ResponseCache c(d.file("c.sqlite"));
    c.put(old_row("test-model", "q", "a", "2026-01-01T00:00:00.000Z"));
  }
  const std::string out = d.file("missing/x.jsonl");
  const std::string msg = error_of([&] { export_jsonl(d.file("c.sqlite"), out); });
  EXPECT_NE(msg.find(out + ": cannot write: folder " + d.file("missing") + " does not exist"), std::string::npos)
      << msg;
  // A failed export leaves an existing file as it was and no temporary file beside it.
  std::ofstream(d.file("x.jsonl")) << "before\n";
  EXPECT_TRUE(
      sceval::testing::has(error_of([&] { export_jsonl(d.file("nope.sqlite"), d.file("x.jsonl")); }), "nope.sqlite"));
  EXPECT_EQ(slurp(d.file("x.jsonl")), "before\n");
  for (const auto& e : fs::directory_iterator(d.path))  // temporaries are ".NAME.XXXXXX"
    EXPECT_NE(e.path().filename().string().front(), '.') << e.path();
}

// `cache export C -o C` wrote the JSONL over the cache it read (exit 0, every answer lost).
TEST(CacheTransferFiles, ExportOverItsOwnCacheIsRefused) {
  TempDir d;
  {
    ResponseCache c(d.file("c.sqlite"));
    c.put(old_row("test-model", "q", "a", "2026-01-01T00:00:00.000Z"));
  }
  const std::string before = slurp(d.file("c.sqlite"));
  const std::string msg = error_of([&] { export_jsonl(d.file("c.sqlite"), d.path.string() + "/./c.sqlite"); });
  EXPECT_TRUE(sceval::testing::has(msg, "c.sqlite: is also an input of this command")) << msg;
  EXPECT_EQ(slurp(d.file("c.sqlite")), before);
  EXPECT_EQ(ResponseCache(d.file("c.sqlite")).size(), 1u);
}

TEST(CacheTransferFiles, FilesystemFailuresNameThePath) {
  TempDir d;
  fs::create_directory_symlink(d.path / "loop", d.path / "loop");  // stat: too many levels of symbolic links
  {
    ResponseCache c(d.file("a.sqlite"));
    c.put(old_row("test-model", "q", "a", "2026-01-01T00:00:00.000Z"));
  }
  const std::string in_loop = d.file("loop/a.sqlite");
  std::string msg = error_of([&] { merge_caches({in_loop}, d.file("m.sqlite")); });
  EXPECT_NE(msg.find(in_loop + ": cannot access: Too many levels of symbolic links"), std::string::npos) << msg;
  msg = error_of([&] { merge_caches({d.file("a.sqlite")}, in_loop); });
  EXPECT_NE(msg.find(in_loop + ": cannot access:"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(d.file("m.sqlite")));
}

}  // namespace
}  // namespace sceval::llm
