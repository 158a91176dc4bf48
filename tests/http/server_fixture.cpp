#include "http/server_fixture.h"

namespace sceval::testing {

SharedLlamaServer& shared_llama_server() {
  static SharedLlamaServer s = [] {
    SharedLlamaServer r;
    const std::string bin = llama_server_binary();
    if (bin.empty()) {
      r.skip_reason =
          "no llama-server binary: configure with SCEVAL_WITH_LLAMA=ON (it builds one), pass "
          "-DSCEVAL_LLAMA_SERVER=/path/to/llama-server, or set the environment variable SCEVAL_LLAMA_SERVER";
      return r;
    }
    r.dir = std::make_unique<ScratchDir>();
    r.model = test_model(*r.dir, &r.model_source);
    if (r.model.empty()) {
      r.skip_reason =
          "no test model: no `sceval make-test-model` (SCEVAL_CLI) and no models/stories260K/stories260K.gguf "
          "in the checkout; set SCEVAL_HTTP_TEST_MODEL=/path/to/model.gguf";
      return r;
    }
    r.server = std::make_unique<LlamaServer>(bin, r.model, 4);
    return r;
  }();
  return s;
}

}  // namespace sceval::testing
