#pragma once
// Test models: llama-architecture GGUF files with random weights (seeded, byte-for-byte
// deterministic) and a real vocabulary copied from a vocab-only GGUF, so that tests and benchmarks
// can run llama.cpp end to end on a machine that has no model files. The weights are scaled so
// that the output distribution is neither flat nor one-hot and greedy continuations depend on the
// whole prompt, not only on its last token. The text they produce is noise.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sceval::llm {

enum class TestModelShape {
  Tiny,   // 2 layers, width 64: loads in milliseconds, for unit tests (F32)
  Small,  // 4 layers, width 256 (F16)
  Bench,  // 12 layers, width 768: about 125M parameters with a 32k vocabulary (F16)
};
std::string_view to_string(TestModelShape s);
std::optional<TestModelShape> test_model_shape_from_string(std::string_view s);

struct TestModelSpec {
  int n_layer = 2;
  int n_embd = 64;
  int n_head = 4;
  int n_head_kv = 2;
  int n_ff = 128;
  int n_ctx_train = 4096;
  bool f16 = false;  // matrices in F16 (norm weights stay F32)
};
TestModelSpec test_model_spec(TestModelShape s);

struct TestModelOptions {
  TestModelShape shape = TestModelShape::Tiny;
  std::uint64_t seed = 1;
  std::string vocab_path;  // empty: find_test_vocab()
  // Jinja source stored as tokenizer.chat_template; empty: chatml_template(). nullopt: none.
  std::optional<std::string> chat_template = std::string();
};

struct TestModelInfo {
  std::string path;
  std::uint64_t n_params = 0;
  std::uint64_t n_bytes = 0;  // file size
  int n_vocab = 0;
  TestModelSpec spec;
};

// Writes the model to `path` (through a temporary file in the same folder, renamed at the end).
// Throws sceval::Error naming the file when the vocabulary cannot be read or the output written.
TestModelInfo write_test_model(const std::string& path, const TestModelOptions& options = {});

// The vocab-only GGUF shipped in llama.cpp's source (models/ggml-vocab-llama-spm.gguf: the 32,000
// token Llama SentencePiece vocabulary), at the path this build was configured with.
std::string default_test_vocab();

// The vocabulary write_test_model uses (docs: README "make-test-model"): `given` (--vocab) when
// not empty; else $SCEVAL_TEST_VOCAB when set (an error if it is not readable); else the first
// readable of share/sceval/ggml-vocab-llama-spm.gguf in the executable's folder or one of its
// parents (the build copies it to build/share/sceval, `cmake --install` to PREFIX/share/sceval)
// and default_test_vocab(). Throws sceval::Error listing the places looked in. Never follows a
// path it cannot read (another user's cache).
std::string find_test_vocab(const std::string& given = "");

// A ChatML template in Jinja: <|im_start|>role\ncontent<|im_end|>\n ..., then <|im_start|>assistant\n.
const std::string& chatml_template();

}  // namespace sceval::llm
