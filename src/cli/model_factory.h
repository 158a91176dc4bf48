#pragma once
// Model specs -> backends: gguf:PATH (in-process llama.cpp), openai:MODEL@BASE_URL, anthropic:MODEL.
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "llm/backend.h"

namespace sceval::cli {

struct LocalModelOptions {  // gguf: only
  int threads = 0, ctx = 0, parallel = 0, batch = 0;
  std::string chat_template;
  bool reference_mode = false;
};

struct Model {
  std::unique_ptr<llm::Backend> backend;
  nlohmann::json info;  // spec (no secrets), kind, identity, engine version
};

// HTTP backends: what to tell the user about a retried or failed attempt (--log-level debug); the
// API key is already removed from the text.
using AttemptLog = std::function<void(const std::string& line)>;

Model make_model(const std::string& spec, const LocalModelOptions& local, const AttemptLog& attempt_log = {});

}  // namespace sceval::cli
