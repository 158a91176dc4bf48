#pragma once
// Helpers of the tests that check sceval's error messages (file, line, field) and write scratch files.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "common/error.h"
#include "scratch_dir.h"

namespace sceval::testing {

// The message of the sceval::Error that f throws; "(no error)" when it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The bytes of every file in dir (a database and its WAL), to search for a secret.
inline std::string bytes_of_folder(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

}  // namespace sceval::testing
