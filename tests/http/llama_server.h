#pragma once
// A real llama-server for the HTTP backend tests (llm/server_process.h: on a free loopback port,
// stopped when the object goes, dies with the test program). Plus a minimal blocking HTTP client
// for the fault proxy.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llm/server_process.h"
#include "scratch_dir.h"

namespace sceval::testing {

using ChildProcess = llm::ChildProcess;

// The exit code of a `sceval run` whose model has random weights (answers are noise): 0, or 3 when
// nothing could be scored (docs/errors.md). Either way the run finished and wrote its files.
inline bool run_finished(int rc) { return rc == 0 || rc == 3; }

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
// models/stories260K/stories260K.gguf (committed). "" when none is available; `how` says which.
std::string test_model(const ScratchDir& dir, std::string* how = nullptr);
// stories260K.gguf (a real 260K-parameter model with a 512-token vocabulary), "" when absent.
std::string stories_model();

class LlamaServer {
 public:
  // Starts llama-server on `model` with `parallel` slots (plus `extra_args`); throws with the
  // server's log when it does not come up within 60 s.
  LlamaServer(const std::string& binary, const std::string& model, int parallel = 4, int n_ctx = 4096,
              std::vector<std::string> extra_args = {});
  int port() const { return process_->port(); }
  std::string base_url() const { return process_->base_url(); }
  std::string log() const { return process_->log(); }

 private:
  ScratchDir dir_;
  std::optional<llm::LlamaServerProcess> process_;
};

}  // namespace sceval::testing
