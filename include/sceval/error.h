#pragma once
// Errors a user can act on: each names where the problem is (file, line, field).
#include <stdexcept>
#include <string>

namespace sceval {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sceval
