#include "http/llama_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef SCEVAL_LLAMA_SERVER
#define SCEVAL_LLAMA_SERVER ""
#endif
#ifndef SCEVAL_CLI
#define SCEVAL_CLI ""
#endif
#ifndef SCEVAL_STORIES_MODEL
#define SCEVAL_STORIES_MODEL ""
#endif

namespace sceval::testing {

namespace fs = std::filesystem;

std::optional<SimpleResponse> simple_http(int port, const std::string& method, const std::string& target,
                                          const std::string& body, double timeout_s) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_s);
  tv.tv_usec = static_cast<suseconds_t>((timeout_s - static_cast<double>(tv.tv_sec)) * 1e6);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
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
  char buf[16384];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  SimpleResponse r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  std::string head = raw.substr(0, head_end);
  for (std::size_t p = head.find("\r\n"); p != std::string::npos;) {
    std::size_t next = head.find("\r\n", p + 2);
    std::string line = head.substr(p + 2, (next == std::string::npos ? head.size() : next) - p - 2);
    if (auto colon = line.find(':'); colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    p = next;
  }
  r.body = raw.substr(head_end + 4);
  if (r.headers["transfer-encoding"].find("chunked") != std::string::npos) {
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
    r.headers.erase("transfer-encoding");
  }
  return r;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool is_file(const std::string& p) {
  std::error_code ec;
  return !p.empty() && fs::is_regular_file(p, ec);
}

}  // namespace

std::string llama_server_binary() {
  for (const std::string& p : {env("SCEVAL_LLAMA_SERVER"), std::string(SCEVAL_LLAMA_SERVER)})
    if (is_file(p)) return p;
  return {};
}

std::string stories_model() {
  std::string p = SCEVAL_STORIES_MODEL;  // models/stories260K/ in the repository
  return is_file(p) ? p : std::string();
}

std::string test_model(const ScratchDir& dir, std::string* how) {
  auto say = [&](const std::string& s) {
    if (how) *how = s;
  };
  if (std::string m = env("SCEVAL_HTTP_TEST_MODEL"); !m.empty()) {
    say("$SCEVAL_HTTP_TEST_MODEL");
    return is_file(m) ? m : std::string();
  }
  for (const std::string& cli : {env("SCEVAL_CLI"), std::string(SCEVAL_CLI)}) {
    if (!is_file(cli)) continue;
    std::string out = dir.file("tiny.gguf");
    ChildProcess p({cli, "make-test-model", "--shape", "tiny", "--seed", "1", "-o", out},
                   dir.file("make-test-model.log"));
    if (p.wait() == 0 && is_file(out)) {
      say("sceval make-test-model --shape tiny");
      return out;
    }
  }
  say("stories260K.gguf");
  return stories_model();
}

LlamaServer::LlamaServer(const std::string& binary, const std::string& model, int parallel, int n_ctx,
                         std::vector<std::string> extra_args) {
  llm::LlamaServerOptions o;
  o.binary = binary;
  o.model = model;
  o.parallel = parallel;
  o.n_ctx = n_ctx;
  o.threads = 1;  // other programs often hold a core of this 2-core machine
  o.extra_args = std::move(extra_args);
  o.log = dir_.file("server.log");
  process_.emplace(o);
}

}  // namespace sceval::testing
