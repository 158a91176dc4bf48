#pragma once
// A model to audit: a spec string (gguf:PATH in-process, openai:MODEL@URL, anthropic:MODEL; see
// docs/backends.md) or functions of the caller's own (a rule, a model loaded in Python). Every
// model is asked through the response cache by run(), stability() and gower_quiz().
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sceval/generate.h"
#include "sceval/message.h"
#include "sceval/options.h"

namespace sceval {
namespace llm {
class Backend;
}
namespace api {
struct Access;  // the library's own way in (src/api/internal.h); not for consumers
}

struct Reply {
  std::string text;
  bool failed = false;  // no answer (e.g. the server gave up): asked again on the next run
  std::string error;
};

// A caller's model: one reply per conversation, in order. Throwing stops the run; answers already
// returned stay cached.
using GenerateFunction =
    std::function<std::vector<std::string>(const std::vector<Conversation>&, const GenerateOptions&)>;
// Optional: one list of option log-probabilities per request.
using ScoreFunction = std::function<std::vector<std::vector<double>>(const std::vector<LabelScoreRequest>&)>;

class Model {
 public:
  // The gguf options of `options` (threads, ctx, parallel, batch, chat_template, reference_mode)
  // apply to gguf: specs. `log` receives debug lines (retried HTTP requests, keys removed).
  static Model open(const std::string& spec, const Options& options = {},
                    std::function<void(const std::string&)> log = {});
  // `identity` names the model in the cache key: change it when the function's answers change.
  static Model from_functions(const std::string& identity, GenerateFunction generate, ScoreFunction score = {});

  // spec (no secrets), kind, identity: results.json "model".
  const nlohmann::json& info() const;
  std::string identity() const;
  bool supports_scoring() const;

  // Direct calls, without the cache.
  std::vector<Reply> generate(const std::vector<Conversation>& conversations, const GenerateOptions& o = {});
  std::vector<std::vector<double>> score(const std::vector<LabelScoreRequest>& requests);

  struct Impl;

 private:
  friend struct api::Access;
  llm::Backend& backend();  // the engine stays behind this interface
  std::shared_ptr<Impl> impl_;
};

// A llama-architecture GGUF with random weights (seeded, same seed = same bytes) and a real
// vocabulary, for tests and benchmarks; needs a build with llama.cpp.
struct TestModelOptions {
  std::string shape = "tiny";  // tiny (2 x 64, F32) | small (4 x 256, F16) | bench (12 x 768, F16, ~125M)
  std::uint64_t seed = 1;
  std::string vocab;          // vocab-only GGUF to copy the tokenizer from; empty: the default
  bool chat_template = true;  // store a ChatML tokenizer.chat_template
};
struct TestModelInfo {
  std::string path, sha256;
  std::uint64_t parameters = 0, bytes = 0;
  int layers = 0, width = 0, heads = 0, kv_heads = 0, ffn = 0, vocab = 0;
};
TestModelInfo make_test_model(const std::string& path, const TestModelOptions& o = {});
std::string default_test_vocab();  // where make_test_model takes the vocabulary from by default (docs/llama-build.md)

}  // namespace sceval
