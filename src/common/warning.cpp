#include "common/warning.h"

#include <fmt/format.h>

#include <mutex>

namespace sceval {
namespace {
std::mutex mutex;
WarningSink current;
}  // namespace

void warn(const std::string& message) {
  std::lock_guard lock(mutex);
  if (current)
    current(message);
  else
    fmt::print(stderr, "warning: {}\n", message);
}

WarningSink set_warning_sink(WarningSink sink) {
  std::lock_guard lock(mutex);
  std::swap(current, sink);
  return sink;
}

}  // namespace sceval
