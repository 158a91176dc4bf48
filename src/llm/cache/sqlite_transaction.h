#pragma once
// One write transaction on a SQLite connection, shared by the response cache and the batch journal.
#include <sqlite3.h>

namespace sceval::llm {

// Runs f inside BEGIN IMMEDIATE ... COMMIT: the write lock is taken up front, so the busy timeout
// applies and two writers never deadlock on a lock upgrade. Rolls back and rethrows on exceptions.
// `exec` runs one statement and throws (with the file's name) on failure.
template <class Exec, class F>
void write_transaction(sqlite3* db, Exec&& exec, F&& f) {
  exec("BEGIN IMMEDIATE");
  try {
    f();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace sceval::llm
