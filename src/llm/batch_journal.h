#pragma once
// Where a provider batch backend (llm/http/batch_backend.h) records the batches it submitted, so a
// killed run resumes polling them instead of submitting their requests again. The response cache
// implements it in the same SQLite file (llm/cache/batch_store.h); CachingBackend hands it to a
// backend that wants_whole_stage(). See docs/backends.md, "Batch mode".
#include <string>
#include <vector>

#include "llm/backend.h"

namespace sceval::llm {

struct JournalBatch {
  std::string id;                 // the provider's batch id
  std::string provider;           // "openai" | "anthropic"
  int attempt = 1;                // 1 = first submission of these requests, 2 = first resubmission, ...
  std::string state;              // the provider's last reported status
  std::vector<std::string> keys;  // the requests (cache keys, also the lines' custom_id)
};

class BatchJournal {
 public:
  virtual ~BatchJournal() = default;
  // The key the cache stores this request's answer under; the batch line's custom_id.
  virtual std::string key(const std::string& identity, const GenerationRequest& request) = 0;
  // Commits a submitted batch (durable when this returns): called before the first poll.
  virtual void record(const std::string& identity, const JournalBatch& batch) = 0;
  virtual void set_state(const std::string& identity, const std::string& id, const std::string& state) = 0;
  // Marks a batch whose results were all handed to the cache: it is never polled again.
  virtual void collected(const std::string& identity, const std::string& id) = 0;
  // Batches of `identity` not yet collected, oldest first.
  virtual std::vector<JournalBatch> open_batches(const std::string& identity) = 0;
};

}  // namespace sceval::llm
