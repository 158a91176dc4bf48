#pragma once
// Small helpers shared by the benchmark programs in bench/ (timing, rounding, memory).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cmath>
#include <vector>

#include "common/error.h"

namespace sceval::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline double round_to(double x, int digits) {
  const double p = std::pow(10.0, digits);
  return std::round(x * p) / p;
}

inline double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Peak resident set (getrusage ru_maxrss) of this process (RUSAGE_SELF) or of its largest waited-for
// child (RUSAGE_CHILDREN), in MB.
inline double peak_rss_mb(int who = RUSAGE_SELF) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

// A benchmark program's main: parses the command line and runs `body`; a usage error or a
// sceval::Error ends it with one line and exit 1 (as sceval's own commands).
inline int run_program(const char* name, CLI::App& app, int argc, char** argv, const std::function<void()>& body) {
  try {
    app.parse(argc, argv);
    body();
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  } catch (const sceval::Error& e) {
    fmt::print(stderr, "{}: error: {}\n", name, e.what());
    return 1;
  }
  return 0;
}

}  // namespace sceval::bench
