#pragma once
// The set-up every batch-backend test shares: the providers' batch APIs replayed on a local
// server, an API key in the environment, a scratch folder named after the test, and the model spec
// that points a provider at the replay with quick polls and retries.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "http/batch_replay.h"
#include "http/test_server.h"

namespace sceval::testing {

struct BatchReplayTest : ::testing::Test {
  BatchReplay replay;
  std::unique_ptr<TestServer> server;
  std::filesystem::path dir;

  // key_var: the environment variable the spec names (api_key_env); key: its value; folder: the
  // scratch folder's name before "<pid>-<test name>".
  BatchReplayTest(std::string key_var, std::string key, std::string folder)
      : key_var_(std::move(key_var)), key_(std::move(key)), folder_(std::move(folder)) {}

  void SetUp() override {
    ::setenv(key_var_.c_str(), key_.c_str(), 1);
    server = std::make_unique<TestServer>(std::ref(replay));
    replay.base = server->url();
    dir = std::filesystem::temp_directory_path() / (folder_ + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override {
    ::unsetenv(key_var_.c_str());
    std::filesystem::remove_all(dir);
  }
  std::string spec(const std::string& provider, const std::string& extra = "") const {
    const std::string url = provider == "openai" ? server->url() + "/v1" : server->url();
    return fmt::format("{}:test-model@{};api_key_env={};batch=1;batch_poll=0.01;backoff=0.01;max_backoff=0.05{}",
                       provider, url, key_var_, extra);
  }

 private:
  std::string key_var_, key_, folder_;
};

}  // namespace sceval::testing
