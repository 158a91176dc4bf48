#pragma once
#include <string>

namespace sceval {

// The whole file as bytes; throws sceval::Error "<path>: cannot open <what>" when unreadable.
std::string read_file_text(const std::string& path, const std::string& what = "file");

}  // namespace sceval
