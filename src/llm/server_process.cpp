#include "llm/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.h"

namespace sceval::llm {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw Error("cannot open " + log + " for writing");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log_fd);
    throw Error("fork failed");
  }
  if (pid_ == 0) {                       // child: async-signal-safe calls only
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the parent
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log_fd);
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ChildProcess::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ChildProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill_now();
}

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_file(const std::string& p) {
  std::error_code ec;
  return !p.empty() && std::filesystem::is_regular_file(p, ec);
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

int loopback_http_status(int port, const std::string& target, double timeout_s) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_s);
  tv.tv_usec = static_cast<suseconds_t>((timeout_s - std::floor(timeout_s)) * 1e6);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return 0;
  }
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return 0;
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (raw.compare(0, 5, "HTTP/") != 0) return 0;
  return std::atoi(raw.c_str() + raw.find(' ') + 1);
}

LlamaServerProcess::LlamaServerProcess(LlamaServerOptions options) : options_(std::move(options)) {
  if (options_.log.empty()) throw Error("llama-server: no log file given");
  for (int attempt = 0; attempt < 3; ++attempt) {  // another program may take the port first
    port_ = free_loopback_port();
    std::vector<std::string> argv{options_.binary,
                                  "-m",
                                  options_.model,
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port_),
                                  "-c",
                                  std::to_string(options_.n_ctx),
                                  "-np",
                                  std::to_string(options_.parallel),
                                  "-t",
                                  std::to_string(options_.threads)};
    if (!options_.warmup) argv.push_back("--no-warmup");
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    process_.emplace(argv, options_.log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.startup_timeout_s);
    while (std::chrono::steady_clock::now() < deadline) {
      if (loopback_http_status(port_, "/health", 5) == 200) return;
      if (!process_->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    process_.reset();
  }
  throw Error("llama-server did not come up; its log (" + options_.log + "):\n" + log());
}

std::string LlamaServerProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

std::string LlamaServerProcess::log() const { return read_file(options_.log); }

std::string find_tool(const char* env_name, const std::string& compiled) {
  if (const char* e = std::getenv(env_name); e && is_file(e)) return e;
  return is_file(compiled) ? compiled : std::string();
}

}  // namespace sceval::llm
