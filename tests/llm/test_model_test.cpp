// Random-weight test models: deterministic bytes, loadable by llama.cpp, non-degenerate output.
#include <gtest/gtest.h>

#include <llama.h>

#include <fstream>
#include <iterator>

#include "common/error.h"
#include "common/sha256.h"
#include "llm/llama_backend.h"
#include "llm/llm_support.h"
#include "llm/test_model.h"

namespace sceval::llm {
namespace {

TEST(TestModel, SameSeedSameBytes) {
  testing::ScratchDir dir;
  TestModelOptions o;
  auto a = write_test_model(dir.file("a.gguf"), o);
  auto b = write_test_model(dir.file("b.gguf"), o);
  o.seed = 2;
  auto c = write_test_model(dir.file("c.gguf"), o);
  EXPECT_EQ(sha256_file(a.path), sha256_file(b.path));
  EXPECT_NE(sha256_file(a.path), sha256_file(c.path));
  EXPECT_EQ(a.n_bytes, c.n_bytes);
  EXPECT_EQ(a.n_vocab, 32000);
  EXPECT_EQ(a.n_params, 4170048u);  // 2 x 32000 x 64 embeddings + 2 layers of 37,056 + norms
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.gguf.tmp")));
}

TEST(TestModel, LlamaCppLoadsIt) {
  testing::ScratchDir dir;
  for (auto shape : {TestModelShape::Tiny, TestModelShape::Small}) {
    TestModelOptions o;
    o.shape = shape;
    auto info = write_test_model(dir.file("m.gguf"), o);
    llama_model_params mp = llama_model_default_params();
    llama_model* m = llama_model_load_from_file(info.path.c_str(), mp);
    ASSERT_NE(m, nullptr) << to_string(shape);
    EXPECT_EQ(llama_model_n_params(m), info.n_params);
    EXPECT_EQ(llama_model_n_layer(m), info.spec.n_layer);
    EXPECT_EQ(llama_model_n_embd(m), info.spec.n_embd);
    EXPECT_NE(llama_model_chat_template(m, nullptr), nullptr);
    llama_model_free(m);
  }
  // The bench shape's size, without writing its 250 MB.
  auto sp = test_model_spec(TestModelShape::Bench);
  EXPECT_EQ(sp.n_layer, 12);
  EXPECT_EQ(sp.n_embd, 768);
}

TEST(TestModel, WithoutTemplateFallsBackToChatml) {
  testing::ScratchDir dir;
  TestModelOptions o;
  o.chat_template.reset();
  auto info = write_test_model(dir.file("nt.gguf"), o);
  LlamaOptions lo;
  lo.model_path = info.path;
  EXPECT_EQ(LlamaBackend(lo).render({{"user", "U"}}), "<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
}

TEST(TestModel, BadVocabulary) {
  testing::ScratchDir dir;
  TestModelOptions o;
  o.vocab_path = dir.file("none.gguf");
  try {
    write_test_model(dir.file("x.gguf"), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("none.gguf"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("junk.gguf")) << "not a gguf file";
  o.vocab_path = dir.file("junk.gguf");
  EXPECT_THROW(write_test_model(dir.file("x.gguf"), o), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.gguf")));
}

// The lookup (README, make-test-model): --vocab, then SCEVAL_TEST_VOCAB, then share/sceval beside
// the executable, so a binary built by another user needs nothing of the builder's cache.
TEST(TestModel, VocabularyLookup) {
  testing::ScratchDir dir;
  ::unsetenv("SCEVAL_TEST_VOCAB");
  const std::string found = find_test_vocab();
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  ASSERT_FALSE(ec);
  // This test binary is build/tests/X: the copy in build/share/sceval comes before the build-time path.
  EXPECT_EQ(found, (exe.parent_path().parent_path() / "share/sceval/ggml-vocab-llama-spm.gguf").string());
  EXPECT_NE(found, default_test_vocab());

  std::filesystem::copy_file(found, dir.file("mine.gguf"));
  ::setenv("SCEVAL_TEST_VOCAB", dir.file("mine.gguf").c_str(), 1);
  EXPECT_EQ(find_test_vocab(), dir.file("mine.gguf"));
  EXPECT_EQ(find_test_vocab(found), found);  // --vocab wins over the variable
  ::setenv("SCEVAL_TEST_VOCAB", dir.file("missing.gguf").c_str(), 1);
  try {
    find_test_vocab();
    ADD_FAILURE() << "a missing SCEVAL_TEST_VOCAB file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SCEVAL_TEST_VOCAB=" + dir.file("missing.gguf")), std::string::npos)
        << e.what();
  }
  ::unsetenv("SCEVAL_TEST_VOCAB");
}

}  // namespace
}  // namespace sceval::llm
