// Smoke test for the sceval::llama target: load a GGUF model with llama.cpp's C API, tokenize a
// string, print the number of tokens. Also calls one function of llama.cpp's common library
// (common_tokenize) to prove that llama-common links, and checks that both agree.
//
//   llama_smoke MODEL.gguf [TEXT]
//
// Prints "tokens: N" on stdout and exits 0; exits 1 with a message on stderr otherwise.
#include <llama.h>

#include <common.h>  // llama.cpp's common library (llama-common)

#include <cstdio>
#include <string>
#include <vector>

namespace {

void quiet_log(ggml_log_level level, const char* text, void* /*user_data*/) {
  if (level == GGML_LOG_LEVEL_WARN || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.gguf [TEXT]\n", argv[0]);
    return 1;
  }
  const std::string model_path = argv[1];
  const std::string text = argc > 2 ? argv[2] : "Once upon a time, there was a little girl named Lily.";

  llama_log_set(quiet_log, nullptr);
  llama_backend_init();

  llama_model_params mparams = llama_model_default_params();
  mparams.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(model_path.c_str(), mparams);
  if (model == nullptr) {
    std::fprintf(stderr, "llama_smoke: cannot load model %s\n", model_path.c_str());
    llama_backend_free();
    return 1;
  }
  const llama_vocab* vocab = llama_model_get_vocab(model);

  // First call with no buffer returns -(number of tokens).
  const int32_t needed = -llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), nullptr, 0,
                                         /*add_special=*/true, /*parse_special=*/false);
  std::vector<llama_token> tokens(static_cast<size_t>(needed > 0 ? needed : 0));
  const int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                                   static_cast<int32_t>(tokens.size()), true, false);
  if (n < 0) {
    std::fprintf(stderr, "llama_smoke: tokenization failed (%d)\n", n);
    llama_model_free(model);
    llama_backend_free();
    return 1;
  }

  const std::vector<llama_token> via_common = common_tokenize(vocab, text, true, false);
  const bool agree = via_common.size() == static_cast<size_t>(n);

  std::printf("model: %s (%d vocab tokens)\n", model_path.c_str(), llama_vocab_n_tokens(vocab));
  std::printf("tokens: %d\n", n);
  std::printf("common_tokenize agrees: %s\n", agree ? "yes" : "no");

  llama_model_free(model);
  llama_backend_free();
  return agree ? 0 : 1;
}
