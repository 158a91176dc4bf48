#pragma once
// One provider's batch API, as the batch backend (batch_backend.h) uses it: submit lines, poll a
// batch, read its results. OpenAI: batch_openai.cpp; Anthropic: batch_anthropic.cpp.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/redact.h"
#include "llm/backend.h"
#include "llm/http/anthropic_backend.h"
#include "llm/http/openai_backend.h"

namespace sceval::llm::http {

struct BatchLine {
  std::string custom_id;
  nlohmann::ordered_json body;  // the request body the direct path would POST
};

struct BatchStatus {
  std::string state;      // the provider's word: validating, in_progress, finalizing, completed, ended, ...
  bool ended = false;     // no further change: results can be read
  std::string counts;     // "950 completed, 3 failed of 1000", for progress lines
  nlohmann::json object;  // the batch object as returned
  // The batch as a whole failed (OpenAI: status "failed", its errors.data): why, for every request
  // it held that has no result line, and whether resubmitting them could succeed.
  std::string failure;
  bool failure_retryable = true;
};

struct LineResult {
  std::string custom_id;  // empty: a line that could not be read (`error` says why)
  bool ok = false;
  Generation answer;      // when ok
  std::string error;      // when !ok: what the provider said
  bool retryable = true;  // false: a request the provider rejected as invalid (it would fail again)
};

// A result line with the API key removed from its text, reasoning and error, as the direct path
// does (backend_common.cpp run_batch): a server that echoes the key must not get it into the cache,
// samples.jsonl or a log line.
inline LineResult without_secret(LineResult r, std::string_view secret) {
  r.answer.text = redact_secret(std::move(r.answer.text), secret);
  r.answer.reasoning = redact_secret(std::move(r.answer.reasoning), secret);
  r.error = redact_secret(std::move(r.error), secret);
  return r;
}

class BatchProvider {
 public:
  virtual ~BatchProvider() = default;
  virtual std::string name() const = 0;      // "openai" | "anthropic"
  virtual std::string identity() const = 0;  // the direct backend's identity: same cache keys
  // The provider's documented limits per batch (requests, bytes of the request lines).
  virtual std::size_t max_requests() const = 0;
  virtual std::size_t max_bytes() const = 0;
  // The body of one request; throws sceval::Error when the request cannot be expressed.
  virtual nlohmann::ordered_json body(const GenerationRequest& request) const = 0;
  // Bytes one line takes in the submitted batch.
  virtual std::size_t line_bytes(const BatchLine& line) const = 0;
  // Submits the lines as one batch; returns its id. Throws sceval::Error when it was not accepted.
  virtual std::string submit(const std::vector<BatchLine>& lines) = 0;
  virtual BatchStatus poll(const std::string& id) = 0;
  // Reads the results of an ended batch and calls `each` once per result line, any order, as it is
  // read (a result file may be larger than memory). custom_ids without a line count as failed.
  // Throws sceval::Error when the results cannot be downloaded (after the transport's retries).
  using LineCallback = std::function<void(LineResult)>;
  virtual void results(const std::string& id, const BatchStatus& status, const LineCallback& each) = 0;
};

std::unique_ptr<BatchProvider> make_openai_batch_provider(const OpenAIOptions& options);
std::unique_ptr<BatchProvider> make_anthropic_batch_provider(const AnthropicOptions& options);

}  // namespace sceval::llm::http
