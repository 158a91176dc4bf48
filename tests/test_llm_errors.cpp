// The llama.cpp backend on bad input: errors that name the file, the template, the prompt, and a
// backend that stays usable after them.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "common/error.h"
#include "llm/llama_helpers.h"
#include "llm/llm_support.h"

namespace sceval::llm {
namespace {

using sceval::testing::tiny_model;
using namespace sceval::testing::llama;

TEST(LlamaBackend, EmptyBatches) {
  auto b = make(false);
  EXPECT_TRUE(b.generate({}).empty());
  EXPECT_TRUE(b.score_options({}).empty());
  std::vector<ScoreRequest> none{{{{"user", "Hi"}}, "", {}}};
  EXPECT_THROW(b.score_options(none), Error);
  auto reqs = requests({{{"user", "Hi"}}}, 0);
  auto out = b.generate(reqs);
  EXPECT_EQ(out[0].finish, FinishReason::Error);
  EXPECT_NE(out[0].error.find("max_tokens"), std::string::npos);
}

TEST(LlamaBackend, MissingFile) {
  LlamaOptions o;
  o.model_path = "/nonexistent/model.gguf";
  try {
    LlamaBackend b(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.gguf"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(LlamaBackend, CorruptFiles) {
  testing::TempDir dir;
  const std::string random_bytes = dir.file("random.gguf"), truncated = dir.file("truncated.gguf");
  {
    std::mt19937 rng(7);
    std::ofstream f(random_bytes, std::ios::binary);
    for (int i = 0; i < 100000; ++i) f.put(static_cast<char>(rng()));
    std::ifstream in(tiny_model(), std::ios::binary);
    std::string head(200000, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(truncated, std::ios::binary).write(head.data(), static_cast<std::streamsize>(head.size()));
  }
  for (const auto& path : {random_bytes, truncated}) {
    LlamaOptions o;
    o.model_path = path;
    try {
      LlamaBackend b(o);
      FAIL() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("cannot load model"), std::string::npos) << e.what();
    }
  }
}

TEST(LlamaBackend, PromptLongerThanContext) {
  auto b = make(false, 4, 256);
  EXPECT_EQ(b.options().n_ctx, 256);
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "word" + std::to_string(i) + " ";
  std::vector<GenerationRequest> reqs = requests({{{"user", long_text}}, {{"user", "Hi"}}}, 8);
  auto out = b.generate(reqs);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].finish, FinishReason::Error);
  EXPECT_NE(out[0].error.find("does not fit the context of 256 tokens"), std::string::npos) << out[0].error;
  EXPECT_GT(out[0].prompt_tokens, 256);
  EXPECT_EQ(out[1].finish, FinishReason::Length) << out[1].error;  // the other request is answered
  std::vector<ScoreRequest> s{{{{"user", "Hi"}}, "", {"a", "b"}}, {{{"user", long_text}}, "", {"a", "b"}}};
  try {
    b.score_options(s);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("score request 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("do not fit the context of 256 tokens"), std::string::npos) << e.what();
  }
  // The backend still works after the error.
  EXPECT_EQ(b.score_options(std::span(s).first(1)).size(), 1u);
}

TEST(LlamaBackend, UnknownTemplate) {
  LlamaOptions o;
  o.model_path = tiny_model();
  o.chat_template = "no-such-template";
  try {
    LlamaBackend b(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown chat template \"no-such-template\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("chatml"), std::string::npos) << e.what();  // lists the known names
  }
  o.chat_template = "{% for m in messages %}{{ m.content }";  // broken Jinja
  EXPECT_THROW(LlamaBackend{o}, Error);
}

}  // namespace
}  // namespace sceval::llm
