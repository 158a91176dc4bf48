#pragma once
// A model behind any OpenAI-compatible /v1/chat/completions endpoint: llama.cpp's llama-server,
// vLLM, Ollama, OpenAI itself. Requests are sent as the paper's OpenAIClient sent them (model,
// messages, temperature, max_tokens, seed; o-series models without temperature and with
// max_completion_tokens), `concurrency` at a time, retried by the shared transport (transport.h).
// See docs/backends.md.
#include <string>

#include <nlohmann/json.hpp>

#include "llm/backend.h"
#include "llm/http/transport.h"

namespace sceval::llm {

struct OpenAIOptions {
  std::string model;  // sent as "model" (llama-server ignores it)
  // The endpoint is base_url + "/chat/completions". Several servers of the same model: base URLs
  // separated by commas, used round robin (request i of a batch goes to URL i mod n).
  std::string base_url = "https://api.openai.com/v1";
  std::string api_key_env = "OPENAI_API_KEY";  // environment variable holding the key; unset = no key
  bool omit_temperature = false;               // send no temperature (and no top_p): reasoning models
  bool max_completion_tokens = false;          // send max_completion_tokens instead of max_tokens: reasoning models
  bool reasoning = false;                      // a reasoning model: reasoning_effort may be sent
  std::string reasoning_effort;    // "" = not sent (the model's default); else none|minimal|low|medium|high|xhigh
  bool json_schema_strict = true;  // response_format.json_schema.strict
  http::TransportOptions transport;
};

// True for the reasoning models of the model table (model_rules.h): the o-series (o1, o3, o4-mini,
// ... and dated versions; the paper lists o3-2025-04-16) and the GPT-5 family. They take no
// temperature and want max_completion_tokens.
bool is_openai_reasoning_model(std::string_view model);

// The most alternatives per token the chat completions API returns (top_logprobs is 0 to 20).
inline constexpr int kOpenAIMaxTopLogprobs = 20;

class OpenAIBackend final : public Backend {
 public:
  // Reads the API key from the environment variable named in options (once, here). Throws
  // sceval::Error when the base URL is not http(s) or when api.openai.com is used without a key.
  explicit OpenAIBackend(OpenAIOptions options);

  // "openai:MODEL@BASE_URL", plus ";omit_temperature" / ";max_completion_tokens" /
  // ";reasoning_effort=E" / ";json_schema_strict=0" when they change what is sent. Never the key.
  // Throws sceval::Error for reasoning_effort on a model that is not a reasoning model. Several base URLs appear
  // sorted, so the order they were given in does not change cache keys.
  std::string identity() const override;
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override;
  std::vector<Generation> generate_each(std::span<const GenerationRequest> batch,
                                        const ResultCallback& on_result) override;
  bool answers_independent_of_batch() const override { return true; }
  const std::vector<std::string>& base_urls() const { return urls_; }

  const OpenAIOptions& options() const { return options_; }
  bool has_api_key() const { return !api_key_.empty(); }

 private:
  OpenAIOptions options_;
  std::string api_key_;
  std::vector<std::string> urls_;  // the base URLs, as given
  std::size_t next_url_ = 0;       // round robin across batches
  http::Transport transport_;
};

// The JSON body sent for one request. Throws sceval::Error when the request cannot be expressed
// (both a grammar and a JSON schema, top_logprobs above 20; a system message after the first turn
// is fine here).
nlohmann::ordered_json openai_request_body(const GenerationRequest& request, const OpenAIOptions& options);

// Reads a chat.completion response: choices[0].message.content (null = ""), reasoning_content
// (llama-server, vLLM, DeepSeek: the thinking text, kept in Generation::reasoning), finish_reason,
// usage.prompt_tokens / completion_tokens, choices[0].logprobs.content when present. Throws
// sceval::Error saying what is missing when the body is not a usable completion.
Generation parse_openai_response(std::string_view body);

}  // namespace sceval::llm
