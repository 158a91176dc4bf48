#pragma once
// The response cache's table of submitted provider batches (llm/batch_journal.h), in the same
// SQLite file as the answers, on its own connection. Tables (docs/cache.md, "Batches"):
//
//   batches(backend, id, provider, attempt, state, submitted_at, updated_at, collected)
//   batch_requests(backend, batch_id, key)      -- key = the request's cache key = custom_id
//
// record() commits a batch and its request keys in one transaction before the batch is polled.
#include <memory>
#include <mutex>
#include <string>

#include "llm/batch_journal.h"

namespace sceval::llm {

class BatchStore final : public BatchJournal {
 public:
  // Opens `path` (an existing response cache: open a ResponseCache on it first) and creates the
  // tables when missing. Throws sceval::Error naming the path.
  explicit BatchStore(const std::string& path, int busy_timeout_ms = 60000);
  ~BatchStore() override;

  std::string key(const std::string& identity, const GenerationRequest& request) override;
  void record(const std::string& identity, const JournalBatch& batch) override;
  void set_state(const std::string& identity, const std::string& id, const std::string& state) override;
  void collected(const std::string& identity, const std::string& id) override;
  std::vector<JournalBatch> open_batches(const std::string& identity) override;

  // Every batch of any backend, collected or not (for tests and `sceval cache` listings).
  std::vector<JournalBatch> all_batches();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::mutex mutex_;
};

}  // namespace sceval::llm
