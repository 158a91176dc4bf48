#pragma once
#include <string>
#include <string_view>

namespace sceval {

// Hex SHA-256 of bytes (OpenSSL), incremental for large inputs and files.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  std::string hex();  // finishes the digest

 private:
  void* ctx_;
};

std::string sha256_hex(std::string_view bytes);
std::string sha256_file(const std::string& path);  // throws sceval::Error if unreadable

}  // namespace sceval
