#include "http/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sceval::testing {

namespace {

constexpr std::size_t kMaxRequestBytes = 16u << 20;

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 529:
      return "Overloaded";
    default:
      return "Status";
  }
}

bool send_all(int fd, const std::string& data) {
  for (std::size_t sent = 0; sent < data.size();) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Waits up to `ms` for the socket to be readable; false on timeout.
bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

ServerReply ServerReply::json(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers) {
  ServerReply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

ServerReply ServerReply::drop() {
  ServerReply r;
  r.kind = Kind::Drop;
  return r;
}

ServerReply ServerReply::hang(double seconds) {
  ServerReply r;
  r.kind = Kind::Hang;
  r.hang_seconds = seconds;
  return r;
}

ServerReply ServerReply::cut(ServerReply full, std::size_t bytes) {
  full.kind = Kind::Cut;
  full.cut_at = std::min(bytes, full.body.size());
  return full;
}

TestServer::TestServer(Handler handler, int max_connections)
    : handler_(std::move(handler)), max_connections_(max_connections) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("test server: socket() failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("test server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TestServer::~TestServer() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(threads_mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  ::close(listen_fd_);
}

void TestServer::accept_loop() {
  while (!stop_) {
    if (!readable(listen_fd_, 50)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (open_.load() >= max_connections_) {
      ::close(fd);
      continue;
    }
    ++open_;
    int id = ++connections_;
    std::lock_guard lock(threads_mutex_);
    threads_.emplace_back([this, fd, id] {
      serve(fd, id);
      ::close(fd);
      --open_;
    });
  }
}

void TestServer::serve(int fd, int connection) {
  std::string buf;
  while (!stop_) {
    // Read one request: headers up to the blank line, then Content-Length bytes.
    std::size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (buf.size() > kMaxRequestBytes) return;
      if (!readable(fd, 50)) {
        if (stop_) return;
        continue;
      }
      char chunk[16384];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;  // the client closed the connection
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    ServerRequest req;
    req.connection = connection;
    std::string head = buf.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return;
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    for (std::size_t p = line_end; p != std::string::npos && p < head.size();) {
      std::size_t next = head.find("\r\n", p + 2);
      std::string line = head.substr(p + 2, (next == std::string::npos ? head.size() : next) - p - 2);
      if (auto colon = line.find(':'); colon != std::string::npos)
        req.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
      p = next;
    }
    std::size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
      try {
        length = std::stoul(it->second);
      } catch (...) {
        return;
      }
    }
    if (length > kMaxRequestBytes) return;
    buf.erase(0, head_end + 4);
    while (buf.size() < length) {
      if (!readable(fd, 50)) {
        if (stop_) return;
        continue;
      }
      char chunk[16384];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    req.body = buf.substr(0, length);
    buf.erase(0, length);
    req.received = std::chrono::steady_clock::now();

    int now_in_flight = ++in_flight_;
    for (int m = max_in_flight_.load(); now_in_flight > m && !max_in_flight_.compare_exchange_weak(m, now_in_flight);) {
    }
    ServerReply reply;
    try {
      reply = handler_(req);
    } catch (const std::exception& e) {
      reply = ServerReply::json(500, std::string("{\"error\":\"test handler threw: ") + e.what() + "\"}");
    }
    --in_flight_;

    switch (reply.kind) {
      case ServerReply::Kind::Drop:
        return;
      case ServerReply::Kind::Hang: {
        auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(reply.hang_seconds);
        while (!stop_ && std::chrono::steady_clock::now() < until) {
          if (readable(fd, 50)) {  // the client sent more or closed: stop hanging once it has gone
            char chunk[4096];
            if (::recv(fd, chunk, sizeof chunk, 0) <= 0) return;
          }
        }
        return;
      }
      case ServerReply::Kind::Respond:
      case ServerReply::Kind::Cut: {
        std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason_phrase(reply.status) + "\r\n";
        for (const auto& [k, v] : reply.headers) out += k + ": " + v + "\r\n";
        out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
        const bool close = reply.kind == ServerReply::Kind::Cut || lower(req.headers["connection"]) == "close";
        out += close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
        out += reply.kind == ServerReply::Kind::Cut ? reply.body.substr(0, reply.cut_at) : reply.body;
        if (!send_all(fd, out) || close) return;
        break;
      }
    }
  }
}

}  // namespace sceval::testing
