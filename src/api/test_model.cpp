// make_test_model: random-weight GGUF files for tests and benchmarks (llm/test_model.h).
#include <fmt/format.h>

#include "common/error.h"
#include "common/sha256.h"
#include "sceval/model.h"
#ifdef SCEVAL_WITH_LLAMA
#include "llm/test_model.h"
#endif

namespace sceval {

#ifdef SCEVAL_WITH_LLAMA
TestModelInfo make_test_model(const std::string& path, const TestModelOptions& o) {
  auto shape = llm::test_model_shape_from_string(o.shape);
  if (!shape) throw Error("shape: expected tiny, small or bench, got \"" + o.shape + "\"");
  llm::TestModelOptions lo;
  lo.shape = *shape;
  lo.seed = o.seed;
  lo.vocab_path = o.vocab;
  if (!o.chat_template) lo.chat_template.reset();
  const auto info = llm::write_test_model(path, lo);
  const auto& sp = info.spec;
  return {info.path, sha256_file(info.path), info.n_params, info.n_bytes, sp.n_layer, sp.n_embd,
          sp.n_head, sp.n_head_kv,           sp.n_ff,       info.n_vocab};
}
std::string default_test_vocab() {
  try {
    return llm::find_test_vocab();  // what make_test_model will use (SCEVAL_TEST_VOCAB, share/sceval, ...)
  } catch (const Error&) {
    return llm::default_test_vocab();  // nothing readable: the build's path, which the error will name
  }
}
#else
TestModelInfo make_test_model(const std::string&, const TestModelOptions&) {
  throw Error("this sceval was built without llama.cpp (SCEVAL_WITH_LLAMA=OFF): make_test_model is unavailable");
}
std::string default_test_vocab() { return ""; }
#endif

}  // namespace sceval
