#include "llm/test_model.h"

#include <ggml.h>
#include <gguf.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/error.h"

#ifndef SCEVAL_DEFAULT_TEST_VOCAB
#define SCEVAL_DEFAULT_TEST_VOCAB ""
#endif

namespace sceval::llm {

namespace fs = std::filesystem;

std::string_view to_string(TestModelShape s) {
  switch (s) {
    case TestModelShape::Tiny:
      return "tiny";
    case TestModelShape::Small:
      return "small";
    case TestModelShape::Bench:
      return "bench";
  }
  return "?";
}

std::optional<TestModelShape> test_model_shape_from_string(std::string_view s) {
  if (s == "tiny") return TestModelShape::Tiny;
  if (s == "small") return TestModelShape::Small;
  if (s == "bench") return TestModelShape::Bench;
  return std::nullopt;
}

TestModelSpec test_model_spec(TestModelShape s) {
  switch (s) {
    case TestModelShape::Tiny:
      return {2, 64, 4, 2, 128, 4096, false};
    case TestModelShape::Small:
      return {4, 256, 8, 4, 768, 4096, true};
    case TestModelShape::Bench:
      return {12, 768, 12, 4, 2048, 4096, true};
  }
  return {};
}

std::string default_test_vocab() { return SCEVAL_DEFAULT_TEST_VOCAB; }

namespace {

constexpr const char* kVocabFile = "ggml-vocab-llama-spm.gguf";

bool readable_file(const fs::path& p) {
  std::error_code ec;  // never throws: a folder of another user may not be searchable
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), R_OK) == 0;
}

}  // namespace

std::string find_test_vocab(const std::string& given) {
  if (!given.empty()) {
    if (!readable_file(given)) throw Error("test model: vocabulary file " + given + " is not a readable file");
    return given;
  }
  // A variable the user set names what they want: it must be readable, no silent fallback.
  if (const char* env = std::getenv("SCEVAL_TEST_VOCAB"); env && *env) {
    if (!readable_file(env))
      throw Error(std::string("test model: SCEVAL_TEST_VOCAB=") + env + " is not a readable file");
    return env;
  }
  std::vector<fs::path> tried;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (fs::path d = exe.parent_path(); !d.empty(); d = d.parent_path()) {
      tried.push_back(d / "share" / "sceval" / kVocabFile);  // build/share/sceval, PREFIX/share/sceval
      if (d == d.parent_path() || tried.size() > 5) break;
    }
  if (const std::string built = default_test_vocab(); !built.empty()) tried.emplace_back(built);
  for (const auto& p : tried)
    if (readable_file(p)) return p.string();
  std::string list;
  for (const auto& p : tried) list += "\n  " + p.string();
  throw Error(
      "test model: no vocabulary GGUF found (pass --vocab FILE or set SCEVAL_TEST_VOCAB to any vocab-only "
      "GGUF, e.g. llama.cpp's models/" +
      std::string(kVocabFile) + "); looked in:" + list);
}

const std::string& chatml_template() {
  static const std::string t =
      "{%- for message in messages -%}\n"
      "  {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}\n"
      "{%- endfor -%}\n"
      "{%- if add_generation_prompt -%}\n"
      "  {{- '<|im_start|>assistant\\n' -}}\n"
      "{%- endif -%}\n";
  return t;
}

namespace {

struct GgufDeleter {
  void operator()(gguf_context* c) const { gguf_free(c); }
};
struct GgmlDeleter {
  void operator()(ggml_context* c) const { ggml_free(c); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;
using GgmlPtr = std::unique_ptr<ggml_context, GgmlDeleter>;

// splitmix64: one independent stream per tensor, seeded from the model seed and the tensor name, so
// that a tensor's values do not depend on the shapes of the tensors written before it.
struct SplitMix64 {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

std::uint64_t stream_seed(std::uint64_t seed, const std::string& name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  SplitMix64 m{seed ^ h};
  return m.next();
}

// Uniform on (-a, a) from 24 random bits with exact float arithmetic (an integer, a power-of-two
// scale, one multiply): the same bytes on every IEEE-754 machine. std = a / sqrt(3).
float uniform(SplitMix64& rng, float a) {
  auto u = static_cast<std::int32_t>(rng.next() >> 40) - (1 << 23);  // [-2^23, 2^23)
  return static_cast<float>(u) * (1.0f / 8388608.0f) * a;
}

struct TensorPlan {
  std::string name;
  std::int64_t ne0 = 0, ne1 = 1;  // ne0 = input width (row length)
  ggml_type type = GGML_TYPE_F32;
  float stddev = 0;  // 0: all ones (norm weights)
};

std::vector<TensorPlan> plan_tensors(const TestModelSpec& sp, int n_vocab) {
  const auto E = static_cast<std::int64_t>(sp.n_embd);
  const std::int64_t head = E / sp.n_head;
  const std::int64_t kv = head * sp.n_head_kv;
  const auto F = static_cast<std::int64_t>(sp.n_ff);
  const ggml_type mat = sp.f16 ? GGML_TYPE_F16 : GGML_TYPE_F32;
  const double e = std::sqrt(static_cast<double>(E)), f = std::sqrt(static_cast<double>(F));
  // Scales: unit-RMS embeddings; query/key weights large enough that attention is selective
  // (score std about 2-3); attention and FFN outputs of the same order as the embedding, so the
  // residual stream carries the context; output logits with std about 3 (peaked, not one-hot).
  std::vector<TensorPlan> t;
  t.push_back({"token_embd.weight", E, n_vocab, mat, 1.0f});
  for (int l = 0; l < sp.n_layer; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    t.push_back({b + "attn_norm.weight", E, 1, GGML_TYPE_F32, 0});
    t.push_back({b + "attn_q.weight", E, E, mat, static_cast<float>(1.6 / e)});
    t.push_back({b + "attn_k.weight", E, kv, mat, static_cast<float>(1.6 / e)});
    t.push_back({b + "attn_v.weight", E, kv, mat, static_cast<float>(1.0 / e)});
    t.push_back({b + "attn_output.weight", E, E, mat, static_cast<float>(2.0 / e)});
    t.push_back({b + "ffn_norm.weight", E, 1, GGML_TYPE_F32, 0});
    t.push_back({b + "ffn_gate.weight", E, F, mat, static_cast<float>(1.0 / e)});
    t.push_back({b + "ffn_down.weight", F, E, mat, static_cast<float>(2.0 / f)});
    t.push_back({b + "ffn_up.weight", E, F, mat, static_cast<float>(1.0 / e)});
  }
  t.push_back({"output_norm.weight", E, 1, GGML_TYPE_F32, 0});
  t.push_back({"output.weight", E, n_vocab, mat, static_cast<float>(3.0 / e)});
  return t;
}

// Copies the tokenizer.* keys of a vocab-only GGUF (tokens, scores, types, merges, special ids).
int copy_vocabulary(gguf_context* dst, const std::string& vocab_path) {
  gguf_init_params ip{/*no_alloc=*/true, /*ctx=*/nullptr};
  if (!readable_file(vocab_path)) throw Error("test model: vocabulary file " + vocab_path + " is not a readable file");
  GgufPtr src(gguf_init_from_file(vocab_path.c_str(), ip));
  if (!src) throw Error("test model: " + vocab_path + " is not a readable GGUF file");
  GgufPtr tmp(gguf_init_empty());
  gguf_set_kv(tmp.get(), src.get());
  for (std::int64_t i = gguf_get_n_kv(tmp.get()) - 1; i >= 0; --i) {
    std::string key = gguf_get_key(tmp.get(), i);
    if (key.rfind("tokenizer.", 0) != 0 || key == "tokenizer.chat_template") gguf_remove_key(tmp.get(), key.c_str());
  }
  const std::int64_t tok = gguf_find_key(tmp.get(), "tokenizer.ggml.tokens");
  if (tok < 0 || gguf_get_kv_type(tmp.get(), tok) != GGUF_TYPE_ARRAY)
    throw Error("test model: " + vocab_path + " has no tokenizer.ggml.tokens array (not a vocabulary GGUF)");
  const auto n_vocab = static_cast<int>(gguf_get_arr_n(tmp.get(), tok));
  gguf_set_kv(dst, tmp.get());
  return n_vocab;
}

void write_all(std::FILE* f, const void* data, std::size_t n, const std::string& path) {
  if (n && std::fwrite(data, 1, n, f) != n) throw Error("test model: cannot write " + path);
}

}  // namespace

TestModelInfo write_test_model(const std::string& path, const TestModelOptions& options) {
  TestModelInfo info;
  info.path = path;
  info.spec = test_model_spec(options.shape);
  const TestModelSpec& sp = info.spec;
  const std::string vocab = find_test_vocab(options.vocab_path);

  GgufPtr g(gguf_init_empty());
  gguf_set_val_str(g.get(), "general.architecture", "llama");
  gguf_set_val_str(g.get(), "general.name", ("sceval-test-" + std::string(to_string(options.shape))).c_str());
  gguf_set_val_u32(g.get(), "general.file_type", sp.f16 ? 1 : 0);  // MOSTLY_F16 : ALL_F32
  gguf_set_val_u32(g.get(), "llama.context_length", static_cast<std::uint32_t>(sp.n_ctx_train));
  gguf_set_val_u32(g.get(), "llama.embedding_length", static_cast<std::uint32_t>(sp.n_embd));
  gguf_set_val_u32(g.get(), "llama.block_count", static_cast<std::uint32_t>(sp.n_layer));
  gguf_set_val_u32(g.get(), "llama.feed_forward_length", static_cast<std::uint32_t>(sp.n_ff));
  gguf_set_val_u32(g.get(), "llama.attention.head_count", static_cast<std::uint32_t>(sp.n_head));
  gguf_set_val_u32(g.get(), "llama.attention.head_count_kv", static_cast<std::uint32_t>(sp.n_head_kv));
  gguf_set_val_f32(g.get(), "llama.attention.layer_norm_rms_epsilon", 1e-5f);
  gguf_set_val_u32(g.get(), "llama.rope.dimension_count", static_cast<std::uint32_t>(sp.n_embd / sp.n_head));
  gguf_set_val_f32(g.get(), "llama.rope.freq_base", 10000.0f);
  gguf_set_val_u64(g.get(), "sceval.test_model.seed", options.seed);
  info.n_vocab = copy_vocabulary(g.get(), vocab);
  gguf_set_val_u32(g.get(), "llama.vocab_size", static_cast<std::uint32_t>(info.n_vocab));
  if (options.chat_template) {
    const std::string& t = options.chat_template->empty() ? chatml_template() : *options.chat_template;
    gguf_set_val_str(g.get(), "tokenizer.chat_template", t.c_str());
  }

  const auto plan = plan_tensors(sp, info.n_vocab);
  ggml_init_params gp{plan.size() * ggml_tensor_overhead(), nullptr, /*no_alloc=*/true};
  GgmlPtr meta(ggml_init(gp));
  if (!meta) throw Error("test model: cannot allocate tensor metadata");
  for (const auto& p : plan) {
    ggml_tensor* t = p.ne1 == 1 ? ggml_new_tensor_1d(meta.get(), p.type, p.ne0)
                                : ggml_new_tensor_2d(meta.get(), p.type, p.ne0, p.ne1);
    ggml_set_name(t, p.name.c_str());
    gguf_add_tensor(g.get(), t);
    info.n_params += static_cast<std::uint64_t>(p.ne0 * p.ne1);
  }

  // Metadata through ggml's writer, then the tensor data streamed row by row (each tensor padded to
  // the alignment, as gguf_write_to_file would), so even the bench model needs little memory.
  const fs::path out(path);
  const fs::path tmp = out.string() + ".tmp";
  struct RemoveOnError {
    fs::path p;
    bool done = false;
    ~RemoveOnError() {
      std::error_code ec;
      if (!done) fs::remove(p, ec);
    }
  } guard{tmp};
  if (!gguf_write_to_file(g.get(), tmp.c_str(), /*only_meta=*/true))
    throw Error("test model: cannot write " + tmp.string());
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "ab"), &std::fclose);
  if (!f) throw Error("test model: cannot open " + tmp.string());
  const std::size_t align = gguf_get_alignment(g.get());
  std::vector<float> row;
  std::vector<ggml_fp16_t> row16;
  const std::vector<char> zeros(align, 0);
  for (const auto& p : plan) {
    SplitMix64 rng{stream_seed(options.seed, p.name)};
    const float a = p.stddev * std::sqrt(3.0f);
    row.resize(static_cast<std::size_t>(p.ne0));
    std::size_t bytes = 0;
    for (std::int64_t r = 0; r < p.ne1; ++r) {
      for (auto& x : row) x = p.stddev == 0 ? 1.0f : uniform(rng, a);
      if (p.type == GGML_TYPE_F16) {
        row16.resize(row.size());
        ggml_fp32_to_fp16_row(row.data(), row16.data(), static_cast<std::int64_t>(row.size()));
        write_all(f.get(), row16.data(), row16.size() * sizeof(ggml_fp16_t), tmp.string());
        bytes += row16.size() * sizeof(ggml_fp16_t);
      } else {
        write_all(f.get(), row.data(), row.size() * sizeof(float), tmp.string());
        bytes += row.size() * sizeof(float);
      }
    }
    if (bytes % align) write_all(f.get(), zeros.data(), align - bytes % align, tmp.string());
  }
  if (std::fflush(f.get()) != 0) throw Error("test model: cannot write " + tmp.string());
  f.reset();
  std::error_code ec;
  fs::rename(tmp, out, ec);
  if (ec) throw Error("test model: cannot rename " + tmp.string() + " to " + path + ": " + ec.message());
  guard.done = true;
  info.n_bytes = fs::file_size(out, ec);  // just written
  if (ec) info.n_bytes = 0;               // and then made unreadable: the size is unknown
  return info;
}

}  // namespace sceval::llm
