#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace sceval::cli {

ProgressStyle progress_style(bool quiet) {
  if (quiet) return ProgressStyle::Off;
  return ::isatty(STDERR_FILENO) ? ProgressStyle::Bar : ProgressStyle::Lines;
}

ProgressReporter::ProgressReporter(ProgressStyle style, std::function<ProgressCounts()> counts, double interval_s)
    : style_(style), counts_(std::move(counts)), interval_s_(interval_s) {}

void ProgressReporter::stage(const std::string& name, std::size_t done, std::size_t total) {
  if (name != stage_ || done < base_) {  // a new stage: its own time and counts
    stage_ = name;
    started_ = last_shown_ = Clock::now();
    at_stage_start_ = counts_ ? counts_() : ProgressCounts{};
  }
  base_ = done_ = done;
  total_ = total;
  show(done == total);
}

void ProgressReporter::within_chunk(std::size_t done, std::size_t total) {
  if (stage_.empty() || done >= total) return;  // the chunk's end is reported by stage()
  done_ = std::min(total_, base_ + done);
  show(false);
}

namespace {

std::string duration_text(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  const auto m = static_cast<long long>(s / 60);
  if (m < 60) return fmt::format("{}m{:02d}s", m, static_cast<int>(s - 60.0 * static_cast<double>(m)));
  return fmt::format("{}h{:02d}m", m / 60, static_cast<int>(m % 60));
}

}  // namespace

std::string ProgressReporter::line() const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  std::string eta = done_ >= total_ ? duration_text(elapsed) + " total"
                    : rate > 0      ? "ETA " + duration_text(static_cast<double>(total_ - done_) / rate)
                                    : "ETA ?";
  const ProgressCounts now = counts_ ? counts_() : ProgressCounts{};
  // The run's counters go on across stages; a stage's line shows its own (a cache hit of turn 1 is
  // not one of the follow-ups).
  const ProgressCounts c{now.cache_hits - std::min(now.cache_hits, at_stage_start_.cache_hits),
                         now.failures - std::min(now.failures, at_stage_start_.failures)};
  const double pct = total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0;
  return fmt::format("{} {}/{} ({:.0f}%) {:.1f}/s {} | cache hits {} | failed {}", stage_, done_, total_, pct, rate,
                     eta, c.cache_hits, c.failures);
}

void ProgressReporter::show(bool final) {
  if (style_ == ProgressStyle::Off) return;
  const auto now = Clock::now();
  if (style_ == ProgressStyle::Lines) {
    if (!final && std::chrono::duration<double>(now - last_shown_).count() < interval_s_) return;
    last_shown_ = now;
    fmt::print(stderr, "{}\n", line());
    return;
  }
  if (!final && std::chrono::duration<double>(now - last_shown_).count() < 0.1) return;  // redraw at most 10/s
  last_shown_ = now;
  constexpr int kWidth = 24;
  const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  fmt::print(stderr, "\r\x1b[K[{}{}] {}", std::string(static_cast<std::size_t>(filled), '#'),
             std::string(static_cast<std::size_t>(kWidth - filled), '.'), line());
  if (final) fmt::print(stderr, "\n");
}

}  // namespace sceval::cli
