#pragma once
// Provider batch APIs (OpenAI Batch API, Anthropic Message Batches) behind the Backend interface:
// spec setting `batch=1` (docs/backends.md, "Batch mode"). Half the price of the direct path;
// answers come within the provider's 24-hour window.
//
// One generate() call = one stage (wants_whole_stage()): its requests are split into batches by the
// provider's per-batch limits (or batch_max_requests), each batch is submitted and recorded in the
// journal (the response cache's `batches` table) before the first poll, all are polled every
// `poll_s` seconds, and each answer goes to on_result as its batch ends. Lines that failed, expired
// or were canceled are resubmitted in a new batch, up to `max_attempts` submissions in all; what
// still fails comes back as FinishReason::Error, as on the direct path.
//
// Resuming: with a journal, a request is never submitted while a batch holding it is open. A run
// killed while polling is started again: the cache answers what was collected, and the requests
// still missing are found in the journal's open batches, which are polled again (nothing new is
// submitted for them). The custom_id of each line is the request's cache key.
#include <functional>
#include <memory>
#include <string>

#include "llm/backend.h"
#include "llm/batch_journal.h"
#include "llm/http/batch_provider.h"
#include "llm/http/model_spec.h"

namespace sceval::llm {

// What happened, for progress lines. `line()` is for users (states and counts); `debug_line()`
// adds the batch id (--log-level debug).
struct BatchEvent {
  enum class Kind { Submitted, Resumed, State, Collected, Resubmitting, Waiting } kind = Kind::State;
  std::string provider;
  std::string batch_id;
  std::string state;
  std::string counts;
  std::size_t requests = 0;               // in this batch (Submitted, Resumed) / to resubmit
  std::size_t succeeded = 0, failed = 0;  // Collected
  std::string detail;                     // Collected: why the batch as a whole failed, when it did
  int attempt = 1;
  std::size_t open_batches = 0;  // Waiting
  std::string line() const;
  std::string debug_line() const;
};

struct BatchOptions {
  bool enabled = false;          // batch=1
  double poll_s = 60;            // batch_poll=SECONDS: wait between polls of the open batches
  std::size_t max_requests = 0;  // batch_max_requests=N: fewer requests per batch than the provider allows
  int max_attempts = 3;          // batch_attempts=N: submissions of one request in all
  std::function<void(const BatchEvent&)> on_event;  // progress; default: none
};

// batch, batch_poll, batch_max_requests, batch_attempts from a spec's settings (others ignored).
// Throws sceval::Error on a bad value.
BatchOptions batch_options(const ModelSpec& spec);
// True for the settings batch_options() reads (the provider option readers skip them).
bool is_batch_setting(std::string_view key);

class BatchBackend final : public Backend {
 public:
  BatchBackend(std::unique_ptr<http::BatchProvider> provider, BatchOptions options);

  // The direct backend's identity: both paths store answers under the same cache key.
  std::string identity() const override { return provider_->identity(); }
  std::vector<Generation> generate(std::span<const GenerationRequest> batch) override;
  std::vector<Generation> generate_each(std::span<const GenerationRequest> batch,
                                        const ResultCallback& on_result) override;
  bool answers_independent_of_batch() const override { return true; }
  bool wants_whole_stage() const override { return true; }
  void set_batch_journal(std::shared_ptr<BatchJournal> journal) override { journal_ = std::move(journal); }

  BatchOptions& options() { return options_; }
  http::BatchProvider& provider() { return *provider_; }

 private:
  struct Run;
  std::unique_ptr<http::BatchProvider> provider_;
  BatchOptions options_;
  std::shared_ptr<BatchJournal> journal_;
};

// The backend of a spec with batch=1 (reads the API key from the environment).
std::unique_ptr<BatchBackend> make_batch_backend(const ModelSpec& spec);

}  // namespace sceval::llm
