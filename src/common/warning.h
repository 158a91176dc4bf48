#pragma once
// Warnings from library code (an unknown CSV column, a damaged sweep cell): one line each, to
// stderr by default; a face or a test may redirect them.
#include <functional>
#include <string>

namespace sceval {

using WarningSink = std::function<void(const std::string&)>;

void warn(const std::string& message);  // "warning: <message>" on stderr, or to the sink
// Installs `sink` (nullptr: back to stderr); returns the previous one.
WarningSink set_warning_sink(WarningSink sink);

}  // namespace sceval
