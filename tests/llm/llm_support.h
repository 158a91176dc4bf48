#pragma once
// Helpers for the llama.cpp tests: a tiny random-weight model generated once per test program, temp
// folders, and a minimal HTTP client (POSIX sockets). llama-server itself: llm/server_process.h.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "llm/test_model.h"
#include "scratch_dir.h"

namespace sceval::testing {

namespace fs = std::filesystem;

// The tiny test model (seed 1), written on first use into a folder that lives as long as the program.
inline const std::string& tiny_model() {
  static ScratchDir dir;
  static const std::string path = [] {
    std::string p = dir.file("tiny.gguf");
    llm::TestModelOptions o;
    o.shape = llm::TestModelShape::Tiny;
    llm::write_test_model(p, o);
    return p;
  }();
  return path;
}

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One HTTP/1.1 request to 127.0.0.1:port with "Connection: close"; nullopt if it cannot connect.
inline std::optional<HttpResponse> http(int port, const std::string& method, const std::string& target,
                                        const std::string& body = {}) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty()) req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  for (std::size_t sent = 0; sent < req.size();) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return std::nullopt;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  HttpResponse r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  std::string head = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head.find("transfer-encoding: chunked") != std::string::npos) {  // de-chunk
    std::string out;
    std::size_t p = 0;
    while (p < r.body.size()) {
      std::size_t eol = r.body.find("\r\n", p);
      if (eol == std::string::npos) break;
      std::size_t n = std::stoul(r.body.substr(p, eol - p), nullptr, 16);
      if (n == 0) break;
      out += r.body.substr(eol + 2, n);
      p = eol + 2 + n + 2;
    }
    r.body = out;
  }
  return r;
}

}  // namespace sceval::testing
