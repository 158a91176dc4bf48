// Model and context set-up, identity, tokenization, the shared-prefix sequence and batch plumbing.
#include <common.h>
#include <log.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "llm/llama_internal.h"

#ifndef SCEVAL_LLAMA_COMMIT
#define SCEVAL_LLAMA_COMMIT "unknown"
#endif

namespace sceval::llm {

namespace detail {

namespace {

std::mutex g_log_mutex;
std::deque<std::string> g_errors;  // recent ERROR lines from llama.cpp / ggml
int g_log_level = -1;              // SCEVAL_LLAMA_LOG: 0 errors .. 3 debug; -1 silent

void log_callback(ggml_log_level level, const char* text, void* /*user*/) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (level == GGML_LOG_LEVEL_ERROR) {
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) g_errors.push_back(std::move(line));
    while (g_errors.size() > 8) g_errors.pop_front();
  }
  int rank = level == GGML_LOG_LEVEL_ERROR   ? 0
             : level == GGML_LOG_LEVEL_WARN  ? 1
             : level == GGML_LOG_LEVEL_DEBUG ? 3
                                             : 2;
  if (rank <= g_log_level) std::fputs(text, stderr);
}

}  // namespace

void init_llama_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char* v = std::getenv("SCEVAL_LLAMA_LOG")) g_log_level = std::atoi(v);
    llama_log_set(log_callback, nullptr);
    // llama.cpp's common library logs through its own logger; its errors reach us as exceptions.
    common_log_set_verbosity_thold(g_log_level >= 2 ? LOG_LEVEL_INFO : LOG_LEVEL_OUTPUT);
    llama_backend_init();
  });
}

void clear_llama_errors() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  g_errors.clear();
}

std::string llama_errors() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::string s;
  for (const auto& e : g_errors) s += (s.empty() ? "" : "; ") + e;
  return s;
}

std::size_t common_prefix(const Tokens& a, const Tokens& b) {
  std::size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

std::string valid_utf8(const std::string& bytes) {
  // Fast path: already valid.
  try {
    (void)nlohmann::json(bytes).dump();
    return bytes;
  } catch (const nlohmann::json::exception&) {
  }
  auto dumped = nlohmann::json(bytes).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(dumped).get<std::string>();
}

}  // namespace detail

using detail::Timer;

namespace {

constexpr int kMinEngineTokens = 2;

// Options llama.cpp would abort on, refused before it is called, naming the flag and the bound.
void check_engine_limits(const LlamaOptions& o) {
  // llama.cpp (llama_context's constructor) takes n_batch = min(n_ctx, n_batch) and n_outputs_max =
  // n_batch, then reserves a graph with one output per sequence: GGML_ASSERT(n_outputs_max <=
  // cparams.n_outputs_max) aborts the process (exit 134) unless n_batch >= n_seq_max. sceval runs
  // at least two sequences (the shared prefix and one request), so both must be at least 2.
  // (Checked on llama.cpp de3ff815: n_seq_max 2 with n_batch 1, or 9 with n_ctx 1, aborts; equal passes.)
  for (const auto& [flag, v] : {std::pair{"--ctx", o.n_ctx}, std::pair{"--batch", o.n_batch}})
    if (v < kMinEngineTokens)
      throw Error(
          fmt::format("{} {}: the llama.cpp engine needs at least {}: it decodes at most min(--ctx, --batch) "
                      "tokens per call, one per sequence at least (the shared prompt prefix and each request "
                      "in flight); 0 chooses for you",
                      flag, v, kMinEngineTokens));
}

}  // namespace

LlamaBackend::Impl::~Impl() {
  if (batch_capacity) llama_batch_free(batch);
}

void LlamaBackend::Impl::load() {
  detail::init_llama_once();
  const std::string& path = opt.model_path;
  std::error_code ec;
  if (path.empty()) throw Error("llama backend: no model file given");
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error("model file " + path +
                (std::filesystem::exists(path, ec) ? " is not a regular file" : " does not exist"));
  {
    Timer t(stats.hash_seconds);
    identity = "gguf:" + sha256_file(path) + ";llama.cpp:" + SCEVAL_LLAMA_COMMIT;
  }
  Timer t(stats.load_seconds);
  detail::clear_llama_errors();
  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  model.reset(llama_model_load_from_file(path.c_str(), mp));
  if (!model) {
    std::string why = detail::llama_errors();
    throw Error("cannot load model file " + path + " (not a GGUF model llama.cpp " +
                std::string(SCEVAL_LLAMA_COMMIT).substr(0, 8) + " can read" + (why.empty() ? ")" : "): " + why));
  }
  vocab = llama_model_get_vocab(model.get());
  n_vocab = llama_vocab_n_tokens(vocab);
  can_share_prefix = !llama_model_is_recurrent(model.get()) && !llama_model_is_hybrid(model.get());

  for (const auto& [flag, v] : {std::pair{"--ctx", opt.n_ctx}, std::pair{"--batch", opt.n_batch}})
    if (v < 0) throw Error(fmt::format("{} {}: expected 0 (chosen for you) or a number of tokens", flag, v));
  const int n_train = llama_model_n_ctx_train(model.get());
  if (opt.n_ctx <= 0) opt.n_ctx = std::clamp(n_train > 0 ? n_train : 4096, 512, 8192);
  if (opt.n_batch <= 0) opt.n_batch = 512;
  if (opt.reference_mode) opt.n_parallel = 1;
  // On a CPU, decoding is compute-bound from a handful of sequences per call on, while every token
  // attends over all cells of the unified KV cache: more sequences in flight only add attention
  // work (measured: 4-8 best for 4M-125M parameter models, 32 up to 1.6x slower).
  if (opt.n_parallel <= 0) opt.n_parallel = 8;
  check_engine_limits(opt);
  // llama.cpp decodes at most min(n_ctx, n_batch) tokens per call and reserves one output per
  // sequence (n_parallel + the shared prefix): more sequences than that abort inside it.
  opt.n_parallel =
      std::clamp(opt.n_parallel, 1,
                 std::min(std::min(opt.n_ctx, opt.n_batch) - 1, static_cast<int>(llama_max_parallel_sequences()) - 1));
  if (opt.n_threads <= 0) opt.n_threads = std::max(1u, std::thread::hardware_concurrency());

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<std::uint32_t>(opt.n_ctx);
  cp.n_batch = static_cast<std::uint32_t>(opt.n_batch);
  cp.n_ubatch = static_cast<std::uint32_t>(opt.n_batch);
  cp.n_seq_max = static_cast<std::uint32_t>(opt.n_parallel + 1);  // + sequence 0, the shared prefix
  cp.kv_unified = true;  // one KV buffer: copying a prefix to a sequence only tags its cells
  cp.n_threads = opt.n_threads;
  cp.n_threads_batch = opt.n_threads;
  cp.no_perf = true;
  cp.flash_attn_type = opt.flash_attn < 0    ? LLAMA_FLASH_ATTN_TYPE_AUTO
                       : opt.flash_attn == 0 ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                             : LLAMA_FLASH_ATTN_TYPE_ENABLED;
  if (opt.kv_f32) cp.type_k = cp.type_v = GGML_TYPE_F32;
  ctx.reset(llama_init_from_model(model.get(), cp));
  if (!ctx) {
    std::string why = detail::llama_errors();
    throw Error("cannot create a llama.cpp context for " + path + " with n_ctx " + std::to_string(opt.n_ctx) +
                (why.empty() ? "" : ": " + why));
  }
  n_ctx = static_cast<int>(llama_n_ctx(ctx.get()));
  opt.n_ctx = n_ctx;
  // llama.cpp takes at most min(n_ctx asked for, n_batch) tokens per llama_decode call (and then
  // pads n_ctx up to a multiple of 256): batches are filled to what it accepts, one token per
  // decoding sequence at least.
  opt.n_batch = static_cast<int>(llama_n_batch(ctx.get()));
  opt.n_parallel = std::min(opt.n_parallel, opt.n_batch);
  batch_capacity = opt.n_batch;
  batch = llama_batch_init(batch_capacity, 0, 1);
  init_chat_template();
  if (!opt.chat_template.empty()) identity += ";template:" + sha256_hex(common_chat_templates_source(templates.get()));
  // Numerics other than llama-server's change the last digits of every logit, so they are part of
  // what determines the answers.
  if (opt.kv_f32) identity += ";kv:f32";
  if (opt.flash_attn >= 0) identity += opt.flash_attn ? ";fa:on" : ";fa:off";
}

Tokens LlamaBackend::Impl::tokenize(const std::string& text) const {
  return common_tokenize(vocab, text, /*add_special=*/true, /*parse_special=*/true);
}

void LlamaBackend::Impl::batch_add(llama_token token, llama_pos pos, llama_seq_id seq, bool logits) {
  if (batch.n_tokens >= batch_capacity) throw Error("llama backend: internal error: batch overflow");
  const int i = batch.n_tokens++;
  batch.token[i] = token;
  batch.pos[i] = pos;
  batch.n_seq_id[i] = 1;
  batch.seq_id[i][0] = seq;
  batch.logits[i] = logits;
}

int LlamaBackend::Impl::decode() {
  Timer t(stats.decode_seconds);
  ++stats.decode_calls;
  stats.tokens_evaluated += static_cast<std::uint64_t>(batch.n_tokens);
  return llama_decode(ctx.get(), batch);
}

void LlamaBackend::Impl::evaluate(const Tokens& tokens, std::size_t from, std::size_t to, llama_seq_id seq) {
  while (from < to) {
    batch_clear();
    std::size_t end = std::min(to, from + static_cast<std::size_t>(n_batch()));
    for (std::size_t i = from; i < end; ++i) batch_add(tokens[i], static_cast<llama_pos>(i), seq, false);
    if (int rc = decode(); rc != 0)
      throw Error("llama_decode failed (status " + std::to_string(rc) + ") while evaluating a prompt prefix" +
                  (detail::llama_errors().empty() ? "" : ": " + detail::llama_errors()));
    from = end;
  }
}

std::size_t LlamaBackend::Impl::set_prefix(const Tokens& head, std::size_t n) {
  if (!opt.carry_prefix) reset_memory();  // see LlamaOptions::carry_prefix
  for (int s = 1; s <= n_parallel(); ++s) llama_memory_seq_rm(memory(), s, -1, -1);
  std::size_t keep = std::min(detail::common_prefix(prefix, head), n);
  if (keep < prefix.size() && !llama_memory_seq_rm(memory(), 0, static_cast<llama_pos>(keep), -1)) {
    llama_memory_seq_rm(memory(), 0, -1, -1);
    keep = 0;
  }
  prefix.assign(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(keep));
  evaluate(head, keep, n, 0);
  prefix.assign(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(n));
  return keep;
}

void LlamaBackend::Impl::reset_memory() {
  llama_memory_clear(memory(), true);
  prefix.clear();
}

// --- LlamaBackend -------------------------------------------------------------------------------

LlamaBackend::LlamaBackend(LlamaOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
  impl_->load();
}

LlamaBackend::~LlamaBackend() = default;

std::string LlamaBackend::identity() const { return impl_->identity; }

std::vector<Generation> LlamaBackend::generate(std::span<const GenerationRequest> batch) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  try {
    return impl_->generate(batch);
  } catch (...) {
    impl_->reset_memory();
    throw;
  }
}

std::vector<OptionScores> LlamaBackend::score_options(std::span<const LabelScoreRequest> batch) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  try {
    return impl_->score(batch);
  } catch (...) {
    impl_->reset_memory();
    throw;
  }
}

std::string LlamaBackend::render(const Conversation& messages, bool add_generation_prompt) const {
  return impl_->render(messages, add_generation_prompt);
}

std::vector<std::int32_t> LlamaBackend::tokenize(const std::string& text) const { return impl_->tokenize(text); }

const LlamaOptions& LlamaBackend::options() const { return impl_->opt; }
const LlamaStats& LlamaBackend::stats() const { return impl_->stats; }

}  // namespace sceval::llm
