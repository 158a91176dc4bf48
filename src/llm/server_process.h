#pragma once
// Child processes and a llama-server on a free loopback port, for the commands and tests that drive
// a real server (`sceval-bench-decision-map` in bench/, the HTTP backend tests, the llama.cpp tests). POSIX
// only; needs no llama.cpp library (the server is a separate program).
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace sceval::llm {

// A child process, stdout and stderr to `log`. It dies with its parent (PR_SET_PDEATHSIG); the
// destructor stops it (SIGTERM, then SIGKILL after 10 s).
class ChildProcess {
 public:
  // argv[0] is the program path. Throws sceval::Error when the log cannot be opened or fork fails.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log);
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  int wait();       // waits for the end; the exit status, -1 when killed by a signal
  void stop();      // SIGTERM, SIGKILL after 10 s; reaped
  void kill_now();  // SIGKILL at once; reaped

 private:
  pid_t pid_ = -1;
};

// A loopback TCP port nobody listens on right now (another program may still take it first).
int free_loopback_port();

// HTTP status of GET `target` on 127.0.0.1:port; 0 when nothing answers within `timeout_s`.
int loopback_http_status(int port, const std::string& target = "/health", double timeout_s = 2);

struct LlamaServerOptions {
  std::string binary;  // llama-server
  std::string model;   // GGUF file
  int parallel = 4;    // -np: slots (requests decoded together)
  int n_ctx = 4096;    // -c: context over all slots
  int threads = 1;     // -t (on a shared 2-core machine, more threads than free cores is far slower)
  bool warmup = false;
  std::vector<std::string> extra_args;  // e.g. {"-fa", "off", "--no-cache-prompt"}
  double startup_timeout_s = 60;        // until /health answers 200
  std::string log;                      // the server's stdout and stderr
};

// llama-server on a free loopback port, up and healthy when the constructor returns; stopped when
// the object goes. Throws sceval::Error with the server's log when it does not come up (three
// tries, in case another program takes the port first).
class LlamaServerProcess {
 public:
  explicit LlamaServerProcess(LlamaServerOptions options);
  int port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  std::string log() const;
  void stop() { process_.reset(); }

 private:
  LlamaServerOptions options_;
  int port_ = 0;
  std::optional<ChildProcess> process_;
};

// Where a llama.cpp tool is: the environment variable `env_name` when it names a file, else
// `compiled` when that is a file; "" otherwise.
std::string find_tool(const char* env_name, const std::string& compiled);

}  // namespace sceval::llm
