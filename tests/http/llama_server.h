#pragma once
// A real llama-server for the HTTP backend tests: started as a child process on a free loopback
// port, stopped (SIGTERM, then SIGKILL) when the object goes; it also dies with the test program
// (PR_SET_PDEATHSIG). Plus a minimal blocking HTTP client for health checks and for the fault proxy.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sceval::testing {

// A fresh folder under $TMPDIR, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class ChildProcess {
 public:
  // argv[0] is the program path; stdout and stderr go to `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log);
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  bool running();
  void stop();
  // Waits for the process to end; its exit status (-1 if killed by a signal).
  int wait();

 private:
  pid_t pid_ = -1;
};

struct SimpleResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
};

// One request to 127.0.0.1:port with "Connection: close". nullopt if it cannot connect or the
// reply is not HTTP. `timeout_s` bounds the whole exchange.
std::optional<SimpleResponse> simple_http(int port, const std::string& method, const std::string& target,
                                          const std::string& body = {}, double timeout_s = 120);

std::string read_text_file(const std::string& path);

// Where the llama-server binary is: $SCEVAL_LLAMA_SERVER, else the SCEVAL_LLAMA_SERVER compile
// definition; "" when neither names an existing file.
std::string llama_server_binary();

// The model the tests run: $SCEVAL_HTTP_TEST_MODEL if set; else a tiny random-weight model made by
// `sceval make-test-model` ($SCEVAL_CLI or the SCEVAL_CLI compile definition) into `dir`; else
// stories260K.gguf from the shared models folder. "" when none is available; `how` says which.
std::string test_model(const ScratchDir& dir, std::string* how = nullptr);
// stories260K.gguf (a real 260K-parameter model with a 512-token vocabulary), "" when absent.
std::string stories_model();

class LlamaServer {
 public:
  // Starts llama-server on `model` with `parallel` slots; throws std::runtime_error with the
  // server's log when it does not come up within 60 s.
  LlamaServer(const std::string& binary, const std::string& model, int parallel = 4, int n_ctx = 4096);
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string log() const { return read_text_file(dir_.file("server.log")); }

 private:
  ScratchDir dir_;
  int port_ = 0;
  std::optional<ChildProcess> process_;
};

}  // namespace sceval::testing
