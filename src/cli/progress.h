#pragma once
// Progress of a run's stages on stderr: done/total, rate, ETA, and the stage's own cache hits and
// failures. A bar redrawn in place when stderr is a terminal; otherwise a plain line every
// `interval_s` seconds and at the end of each stage (logs and CI stay readable); nothing with --quiet.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace sceval::cli {

enum class ProgressStyle { Bar, Lines, Off };

// Bar when stderr is a terminal, else Lines; Off when quiet.
ProgressStyle progress_style(bool quiet);

struct ProgressCounts {
  std::size_t cache_hits = 0, failures = 0;
};

class ProgressReporter {
 public:
  // `counts` is asked for the run's cache hits and failures so far (at each stage's start and at
  // each redraw: a line shows the difference).
  ProgressReporter(ProgressStyle style, std::function<ProgressCounts()> counts, double interval_s = 10);
  // A stage's fixed chunks: called with done = 0 when it starts and after each chunk.
  void stage(const std::string& name, std::size_t done, std::size_t total);
  // Answers within the current chunk (the cache's per-answer progress): done of that chunk's total.
  void within_chunk(std::size_t done, std::size_t total);

 private:
  using Clock = std::chrono::steady_clock;
  void show(bool final);
  std::string line() const;

  ProgressStyle style_;
  std::function<ProgressCounts()> counts_;
  double interval_s_;
  std::string stage_;
  std::size_t base_ = 0, done_ = 0, total_ = 0;
  ProgressCounts at_stage_start_;  // the run's counts when the current stage began
  Clock::time_point started_, last_shown_;
};

}  // namespace sceval::cli
