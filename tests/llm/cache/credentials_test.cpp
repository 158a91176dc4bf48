// Hostile input, the response cache: URL credentials never reach the file nor change the key; a
// damaged file says what to do.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "error_helpers.h"
#include "common/error.h"
#include "llm/cache/caching_backend.h"

namespace sceval::llm {
namespace {

using sceval::testing::bytes_of_folder;

namespace fs = std::filesystem;

class EchoBackend : public Backend {
 public:
  std::string id;
  std::string identity() const override { return id; }
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override {
    std::vector<Generation> out;
    for (const auto& r : batch) {
      Generation g;
      g.text = "re: " + r.messages.back().content;
      out.push_back(std::move(g));
    }
    return out;
  }
};

GenerationRequest ask(const std::string& text) {
  GenerationRequest r;
  r.messages = {{"user", text}};
  return r;
}

using TempDir = sceval::testing::ScratchDir;

TEST(CacheCredentials, KeyDoesNotDependOnUrlCredentials) {
  const auto a = cache_request("openai:m@http://alice:hunter2secret@host:8080/v1", ask("q"));
  const auto b = cache_request("openai:m@http://bob:other-password@host:8080/v1", ask("q"));
  const auto c = cache_request("openai:m@http://***@host:8080/v1", ask("q"));
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.key, c.key);
  EXPECT_EQ(a.canonical.find("hunter2"), std::string::npos);
  EXPECT_EQ(a.identity.find("hunter2"), std::string::npos);
  EXPECT_NE(a.key, cache_request("openai:m@http://***@other:8080/v1", ask("q")).key);  // the host still counts
}

TEST(CacheCredentials, CredentialsNeverReachTheFile) {
  TempDir d;
  EchoBackend inner;
  inner.id = "openai:m@http://alice:hunter2secret@127.0.0.1:9/v1";
  {
    CachingOptions o;
    o.path = (d.path / "cache.sqlite").string();
    CachingBackend cached(inner, o);
    auto out = cached.generate(std::vector<GenerationRequest>{ask("hello"), ask("world")});
    EXPECT_EQ(out[1].text, "re: world");
    EXPECT_EQ(cached.cache()->size(), 2u);
    cached.cache()->for_each([](const CacheEntry& e) {
      EXPECT_EQ(e.backend, "openai:m@http://***@127.0.0.1:9/v1");
      EXPECT_EQ(e.request.find("hunter2"), std::string::npos);
    });
    EXPECT_TRUE(cached.cache()->verify().ok());
  }
  EXPECT_EQ(bytes_of_folder(d.path).find("hunter2"), std::string::npos);
}

TEST(CacheCredentials, DamagedFileSuggestsWhatToDo) {
  TempDir d;
  const std::string path = (d.path / "cache.sqlite").string();
  std::ofstream(path, std::ios::binary) << std::string(8192, '\x5a');
  try {
    ResponseCache c(path);
    FAIL() << "a garbage file was opened as a cache";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("--no-cache"), std::string::npos) << msg;
  }
}

// A cache path that is a device, pipe or folder is refused before SQLite opens it: SQLite blocked on
// a FIFO (cache export, cache merge) and wrote "/dev/zero-journal" beside a device. The device is
// reached through a link, so a regression writes its journal into the scratch folder.
TEST(CacheCredentials, OnlyRegularFilesAreOpenedAsACache) {
  TempDir d;
  const fs::path dev = d.path / "zero.sqlite";
  fs::create_symlink("/dev/zero", dev);
  for (bool read_only : {false, true}) {
    CacheOpenOptions o;
    o.read_only = read_only;
    std::string msg = sceval::testing::error_of([&] { ResponseCache c(dev.string(), o); });
    EXPECT_NE(msg.find("zero.sqlite: not a regular file (a device, pipe or socket), expected a response cache"),
              std::string::npos)
        << msg;
    msg = sceval::testing::error_of([&] { ResponseCache c(d.path.string(), o); });
    EXPECT_NE(msg.find(": is a directory, expected a response cache"), std::string::npos) << msg;
  }
  for (const auto& e : fs::directory_iterator(d.path)) EXPECT_EQ(e.path(), dev) << "written: " << e.path();
}

}  // namespace
}  // namespace sceval::llm
