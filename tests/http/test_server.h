#pragma once
// A small HTTP/1.1 server for the HTTP backend tests (POSIX sockets, 127.0.0.1 only). A handler
// decides each reply, which may also be a fault: close the connection without answering, hang
// without answering, or send a body shorter than its Content-Length and close. Keep-alive is
// supported (libcurl reuses connections). Bounded: at most `max_connections` connections at once
// (further ones are closed at once), requests up to 16 MiB, every thread joined on destruction.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sceval::testing {

struct ServerRequest {
  std::string method;
  std::string target;                          // "/v1/chat/completions"
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::chrono::steady_clock::time_point received;
  int connection = 0;  // 1-based connection number
};

struct ServerReply {
  enum class Kind {
    Respond,  // status, headers, body (Content-Length set)
    Drop,     // close the connection without a byte
    Hang,     // send nothing for `hang_seconds` (or until the client gives up), then close
    Cut,      // headers announce the whole body, only `cut_at` bytes are sent, then close
  };
  Kind kind = Kind::Respond;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t cut_at = 0;
  double hang_seconds = 0;

  static ServerReply json(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {});
  static ServerReply drop();
  static ServerReply hang(double seconds);
  static ServerReply cut(ServerReply full, std::size_t bytes);
};

class TestServer {
 public:
  using Handler = std::function<ServerReply(const ServerRequest&)>;
  // Listens on 127.0.0.1 at a port the system picks. The handler is called from connection threads.
  explicit TestServer(Handler handler, int max_connections = 32);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int max_concurrent_requests() const { return max_in_flight_.load(); }  // most handlers running at once
  int connections() const { return connections_.load(); }

 private:
  void accept_loop();
  void serve(int fd, int connection);

  Handler handler_;
  int max_connections_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0}, connections_{0}, in_flight_{0}, max_in_flight_{0};
  std::thread acceptor_;
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace sceval::testing
