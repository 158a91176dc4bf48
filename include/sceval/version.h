#pragma once
namespace sceval {
const char* version();  // "0.1.0"
}  // namespace sceval
