// The in-process llama.cpp backend on a tiny random-weight model generated on the fly: batched and
// prefix-shared generation against the reference path, option scoring against a brute force,
// determinism, and errors.
#include <gtest/gtest.h>

#include <llama.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "common/error.h"
#include "grid/grid.h"
#include "llm/llama_backend.h"
#include "llm/llama_helpers.h"
#include "llm/llm_support.h"
#include "task/registry.h"
#include "task/render.h"

namespace sceval::llm {
namespace {

using sceval::testing::tiny_model;
using namespace sceval::testing::llama;

// (b) Batched + prefix-shared generation equals the reference path whatever the batch composition,
// with numerics that do not depend on the batch shape (F32 model, F32 KV cache, no flash attention).
TEST(LlamaBackend, BatchedGreedyEqualsReference) {
  const auto convs = conversations(16);  // 20 different prompts, 16 of them sharing a long prefix
  const auto reqs = requests(convs, 24);
  auto reference = make(true, 0, 0, kStable);
  const auto want = texts(reference.generate(reqs));
  for (int n_parallel : {32, 5, 2}) {
    auto batched = make(false, n_parallel, 0, kStable);
    const auto got = batched.generate(reqs);
    EXPECT_GT(batched.stats().prefix_tokens_reused, 0u);
    EXPECT_EQ(texts(got), want) << "n_parallel " << n_parallel;
  }
  // The same requests in another order, in two calls.
  std::vector<GenerationRequest> reversed(reqs.rbegin(), reqs.rend());
  auto batched = make(false, 7, 0, kStable);
  auto first = texts(batched.generate(std::span(reversed).first(10)));
  auto second = texts(batched.generate(std::span(reversed).subspan(10)));
  first.insert(first.end(), second.begin(), second.end());
  std::reverse(first.begin(), first.end());
  EXPECT_EQ(first, want);
  // Different prompts give different answers (the model is not degenerate).
  std::vector<std::string> distinct(want);
  std::sort(distinct.begin(), distinct.end());
  EXPECT_GE(std::unique(distinct.begin(), distinct.end()) - distinct.begin(), 15);
}

// What makes runs resumable: with llama-server's numerics (where batch shape matters), a call's
// results depend only on its own batch, not on the calls before it (LlamaOptions::carry_prefix off).
TEST(LlamaBackend, EachCallIsAPureFunctionOfItsBatch) {
  const auto reqs = requests(conversations(24, 40), 16);
  const auto first = std::span(reqs).first(12), second = std::span(reqs).subspan(12);
  auto after = make(false, 8);
  after.generate(first);
  const auto got = texts(after.generate(second));
  auto fresh = make(false, 8);
  EXPECT_EQ(got, texts(fresh.generate(second)));
}

// With llama-server's numerics (flash attention, F16 KV cache) the CPU kernels take other code paths
// for other batch shapes, so log-probabilities differ by up to ~1e-2 between the batched and the
// reference path; a greedy sequence can then take the other branch where the reference's two best
// tokens are that close. This checks that divergences happen only at such near-ties.
TEST(LlamaBackend, BatchedGreedyDivergesOnlyAtNearTies) {
  constexpr double kTol = 0.05;
  const auto reqs = requests(conversations(44, 40), 32, 0, 2);  // 44 points evenly over the grid
  auto reference = make(true);
  auto batched = make(false);
  const auto want = reference.generate(reqs), got = batched.generate(reqs);
  int diverged = 0;
  double max_diff = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const auto& a = want[i].logprobs;
    const auto& b = got[i].logprobs;
    ASSERT_EQ(a.size(), 32u);
    ASSERT_EQ(b.size(), 32u);
    for (std::size_t k = 0; k < a.size(); ++k) {
      if (a[k].token != b[k].token) {
        ++diverged;
        EXPECT_LT(a[k].top[0].second - a[k].top[1].second, kTol) << "request " << i << " token " << k;
        EXPECT_EQ(b[k].token, a[k].top[1].first) << "request " << i << " token " << k;
        break;
      }
      max_diff = std::max(max_diff, std::abs(a[k].logprob - b[k].logprob));
    }
  }
  EXPECT_LT(max_diff, kTol);
  // Measured at llama.cpp de3ff815, 1 thread: 5 of 48 diverge, max difference 0.016. (Not asserted:
  // kernels that depend less on the batch shape would be welcome.)
  std::printf("default numerics: %d of %zu greedy sequences of 32 tokens diverge; max |d logprob| before: %.3g\n",
              diverged, reqs.size(), max_diff);
}

// Seeded sampling: a request's text depends on its seed, not on its neighbours in the batch.
TEST(LlamaBackend, SeededSamplingIndependentOfBatch) {
  const auto convs = conversations(6);
  const auto reqs = requests(convs, 16, 0.9);
  auto b = make(false, 0, 0, kStable);
  const auto all = texts(b.generate(reqs));
  for (std::size_t i = 0; i < reqs.size(); i += 3)
    EXPECT_EQ(texts(b.generate(std::span(reqs).subspan(i, 1)))[0], all[i]);
  auto r = make(true, 0, 0, kStable);
  EXPECT_EQ(texts(r.generate(reqs)), all);
  auto other = reqs[0];
  other.sampling.seed += 1;
  EXPECT_NE(texts(b.generate(std::span(&other, 1)))[0], all[0]);
}

// Stop strings end a reply just before their first occurrence, also when it spans token pieces and
// while other sequences keep decoding; the expected text is cut from the same reply made without.
TEST(LlamaBackend, StopStringsCutTheReply) {
  auto reqs = requests(conversations(6), 24);
  auto b = make(false, 0, 0, kStable);
  const auto full = texts(b.generate(reqs));
  std::vector<std::string> want(reqs.size());
  std::size_t cut = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const std::string& t = full[i];
    std::size_t at = t.size() / 2;  // a 3-byte ASCII stop string from the middle of the reply
    while (at + 3 <= t.size() && !std::all_of(t.begin() + at, t.begin() + at + 3, [](char c) { return c > 0; })) ++at;
    if (at + 3 > t.size()) continue;
    const std::string stop = t.substr(at, 3);
    reqs[i].sampling.stop = {"\x01never", stop};
    want[i] = t.substr(0, t.find(stop));
    ++cut;
  }
  ASSERT_GE(cut, reqs.size() - 2);
  const auto got = b.generate(reqs);
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].sampling.stop.empty()) continue;
    EXPECT_EQ(got[i].text, want[i]) << i;
    EXPECT_EQ(got[i].finish, FinishReason::Stop) << i;
  }
}

// (d) The same requests on a fresh backend give the same text.
TEST(LlamaBackend, SameRequestsSameText) {
  const auto reqs = requests(conversations(4), 20);
  auto a = make(false);
  auto b = make(false);
  EXPECT_EQ(texts(a.generate(reqs)), texts(b.generate(reqs)));
  EXPECT_EQ(a.identity(), b.identity());
  EXPECT_EQ(a.identity().rfind("gguf:", 0), 0u);
}

// Brute force: log P(option | prompt + prefix), each option evaluated from its first token in a
// fresh context of its own.
std::vector<double> brute_force_scores(const LlamaBackend& b, const LabelScoreRequest& r, bool stable) {
  llama_model_params mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(tiny_model().c_str(), mp);
  EXPECT_NE(model, nullptr);
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  const std::string context = b.render(r.messages) + r.answer_prefix;
  const auto ctx_tokens = b.tokenize(context);
  std::vector<double> out;
  for (const auto& option : r.options) {
    auto tokens = b.tokenize(context + option);
    std::size_t first = 0;
    while (first < tokens.size() && first < ctx_tokens.size() && tokens[first] == ctx_tokens[first]) ++first;
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 1024;
    cp.n_batch = cp.n_ubatch = 1024;
    cp.n_threads = cp.n_threads_batch = 1;
    if (stable) cp.type_k = cp.type_v = GGML_TYPE_F32, cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context* ctx = llama_init_from_model(model, cp);
    llama_batch batch = llama_batch_init(static_cast<int>(tokens.size()), 0, 1);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      batch.token[i] = tokens[i];
      batch.pos[i] = static_cast<llama_pos>(i);
      batch.n_seq_id[i] = 1;
      batch.seq_id[i][0] = 0;
      batch.logits[i] = true;
    }
    batch.n_tokens = static_cast<int>(tokens.size());
    EXPECT_EQ(llama_decode(ctx, batch), 0);
    double lp = 0;
    for (std::size_t p = first - 1; p + 1 < tokens.size(); ++p) {
      const float* logits = llama_get_logits_ith(ctx, static_cast<int>(p));
      double mx = *std::max_element(logits, logits + n_vocab), z = 0;
      for (int v = 0; v < n_vocab; ++v) z += std::exp(logits[v] - mx);
      lp += logits[tokens[p + 1]] - (mx + std::log(z));
    }
    out.push_back(lp);
    llama_batch_free(batch);
    llama_free(ctx);
  }
  llama_model_free(model);
  return out;
}

// (a) Scores equal the brute force: within 1e-4 with batch-independent numerics; with llama-server's
// (flash attention, F16 KV cache) within the float noise of those kernels.
TEST(LlamaBackend, ScoresEqualBruteForce) {
  const task::Task t = task::resolve_task("income");
  std::vector<LabelScoreRequest> reqs;
  for (const auto& c : conversations(8)) reqs.push_back({c, "{\"answer\": \"", t.options});
  reqs.push_back({{{"user", "Pick one."}}, "", {"yes", "no", "maybe not", "Yes, definitely", ""}});
  reqs.push_back({{{"user", "Pick one."}}, "Answer:", {" A", " B", "C"}});
  const std::size_t pick = reqs.size() - 2;
  for (Numerics numerics : {kStable, kDefault}) {
    const double tol = numerics == kStable ? 1e-4 : 0.1;
    for (bool reference : {false, true}) {
      auto b = make(reference, 5, 0, numerics);
      const auto got = b.score_options(reqs);
      ASSERT_EQ(got.size(), reqs.size());
      double max_diff = 0;
      for (std::size_t r = 0; r < reqs.size(); ++r) {
        const auto want = brute_force_scores(b, reqs[r], numerics == kStable);
        ASSERT_EQ(got[r].logprob.size(), want.size());
        double psum = 0;
        for (std::size_t o = 0; o < want.size(); ++o) {
          EXPECT_NEAR(got[r].logprob[o], want[o], tol)
              << "request " << r << " option " << o << " reference " << reference;
          max_diff = std::max(max_diff, std::abs(got[r].logprob[o] - want[o]));
          psum += got[r].probability[o];
        }
        EXPECT_NEAR(psum, 1.0, 1e-12);
      }
      std::printf("%s numerics, %s: max |score - brute force| = %.3g\n", numerics == kStable ? "stable" : "default",
                  reference ? "reference" : "batched", max_diff);
      EXPECT_EQ(got[pick].n_tokens[4], 0);  // the empty option
      EXPECT_EQ(got[pick].logprob[4], 0.0);
      EXPECT_EQ(got[pick].n_tokens[0], 1);
    }
  }
}

// A KV cache too small for every sequence at once: sequences wait for room, and the youngest is
// restarted when the cache runs out; results are those of the reference path.
TEST(LlamaBackend, SmallContextQueuesAndRestarts) {
  const auto convs = conversations(3);
  auto reqs = requests(convs, 100);
  auto reference = make(true, 0, 512, kStable);
  auto batched = make(false, 8, 512, kStable);
  const auto want = texts(reference.generate(reqs));
  EXPECT_EQ(texts(batched.generate(reqs)), want);
  EXPECT_GT(batched.stats().preemptions, 0u);
  const task::Task t = task::resolve_task("income");
  std::vector<LabelScoreRequest> s;
  for (const auto& c : convs) s.push_back({c, "{\"answer\": \"", t.options});
  const auto a = reference.score_options(s), b = batched.score_options(s);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t o = 0; o < 2; ++o) EXPECT_NEAR(a[i].logprob[o], b[i].logprob[o], 1e-4);
}

// A context smaller than a decode batch (n_ctx 450 < n_batch 512): llama.cpp then takes at most 450
// tokens per llama_decode call, and batches must be filled to that, not to the n_batch asked for
// (they were: scoring hit a GGML_ASSERT and aborted the process). Results are the reference's.
TEST(LlamaBackend, ContextSmallerThanBatch) {
  const auto convs = conversations(28);
  auto reference = make(true, 0, 450, kStable);
  auto batched = make(false, 8, 450, kStable);
  EXPECT_LE(batched.options().n_batch, 450);
  const task::Task t = task::resolve_task("income");
  std::vector<LabelScoreRequest> s;
  for (const auto& c : convs) s.push_back({c, "{\"answer\": \"", t.options});
  const auto a = reference.score_options(s), b = batched.score_options(s);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t o = 0; o < 2; ++o) EXPECT_NEAR(a[i].logprob[o], b[i].logprob[o], 1e-4) << i;
  const auto reqs = requests(convs, 24);
  EXPECT_EQ(texts(batched.generate(reqs)), texts(reference.generate(reqs)));
}

TEST(LlamaBackend, TemplateChoices) {
  LlamaOptions o;
  o.model_path = tiny_model();
  const Conversation c{{"system", "S"}, {"user", "U"}};
  EXPECT_EQ(LlamaBackend(o).render(c),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
  o.chat_template = "chatml";
  EXPECT_EQ(LlamaBackend(o).render(c),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
  o.chat_template = "llama3";  // a built-in name, rendered by llama_chat_apply_template
  const std::string l3 = LlamaBackend(o).render(c);
  EXPECT_NE(l3.find("<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|>"), std::string::npos) << l3;
  testing::ScratchDir dir;
  std::ofstream(dir.file("t.jinja"))
      << "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}>{% endif %}";
  o.chat_template = dir.file("t.jinja");
  LlamaBackend f(o);
  EXPECT_EQ(f.render(c), "[system]S[user]U>");
  o.chat_template.clear();
  EXPECT_NE(f.identity(), LlamaBackend(o).identity());  // the template is part of it
}

TEST(LlamaBackend, GrammarAndSchema) {
  auto b = make(false);
  GenerationRequest r{{{"user", "Answer."}}, {}};
  r.sampling.max_tokens = 60;
  r.sampling.json_schema = nlohmann::json::parse(
      R"({"type":"object","properties":{"answer":{"enum":["Below $50,000","Above $50,000"]}},"required":["answer"]})");
  GenerationRequest bad = r;
  bad.sampling.json_schema.reset();
  bad.sampling.grammar = "root ::= (";
  GenerationRequest top = r;
  top.sampling.json_schema.reset();
  top.sampling.max_tokens = 3;
  top.sampling.top_logprobs = 4;
  std::vector<GenerationRequest> reqs{r, bad, top};
  auto out = b.generate(reqs);
  ASSERT_EQ(out[0].finish, FinishReason::Stop) << out[0].error << out[0].text;
  auto j = nlohmann::json::parse(out[0].text);
  EXPECT_TRUE(j["answer"] == "Below $50,000" || j["answer"] == "Above $50,000") << out[0].text;
  EXPECT_EQ(out[1].finish, FinishReason::Error);
  EXPECT_NE(out[1].error.find("grammar"), std::string::npos) << out[1].error;
  ASSERT_EQ(out[2].logprobs.size(), 3u);
  for (const auto& t : out[2].logprobs) {
    ASSERT_EQ(t.top.size(), 4u);
    EXPECT_EQ(t.top[0].first, t.token);  // greedy: the chosen token is the most likely one
    EXPECT_DOUBLE_EQ(t.top[0].second, t.logprob);
    EXPECT_LE(t.logprob, 0.0);
  }
}

}  // namespace
}  // namespace sceval::llm
