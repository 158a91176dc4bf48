// Batched generation: shared prefix in sequence 0, many sequences per llama_decode call, slots
// refilled as sequences finish, the youngest sequence restarted when the KV cache runs out.
#include <common.h>

#include <algorithm>
#include <deque>

#include "llm/llama_internal.h"

namespace sceval::llm {

namespace {

enum class State { Queued, Prefill, Decode, Done };

struct Job {
  std::size_t request = 0;
  const GenerateOptions* params = nullptr;
  Tokens prompt;
  detail::SamplerPtr sampler;
  State state = State::Queued;
  llama_seq_id seq = -1;
  std::size_t fed = 0;         // positions [0, fed) are in the sequence's KV cache
  llama_token pending = -1;    // sampled, to be fed next
  std::uint64_t admitted = 0;  // admission order (preemption takes the youngest)
  Tokens out;
  std::string bytes;
  std::vector<TokenLogprob> logprobs;
};

// Cells an admitted sequence is expected to need for its answer: a short one (answers longer than
// that are what preemption is for).
std::size_t expected_answer(const Job& j) {
  constexpr std::size_t kExpectedAnswer = 16;
  return std::min<std::size_t>(static_cast<std::size_t>(j.params->max_tokens), kExpectedAnswer);
}

// Cuts a job's text before the first stop string that ends in the piece appended at `before` (it may
// begin in earlier pieces). Returns whether it did.
bool cut_at_stop(Job& j, std::size_t before) {
  if (j.params->stop.empty()) return false;
  std::size_t longest = 0;
  for (const auto& s : j.params->stop) longest = std::max(longest, s.size());
  const auto pos = find_stop(j.bytes, j.params->stop, before >= longest ? before - longest + 1 : 0);
  if (pos == std::string::npos) return false;
  j.bytes.resize(pos);
  return true;
}

}  // namespace

// One generate() call. Every step admits queued requests into free sequences, fills one batch with
// the pending token of every decoding sequence and then prompt tokens, decodes it, and samples the
// next token of every sequence whose last position was in the batch. A sequence retires at an
// end-of-generation token, a stop string or its length limit, and its slot is refilled next step.
class LlamaBackend::Impl::GenerationScheduler {
 public:
  GenerationScheduler(Impl& engine, std::span<const GenerationRequest> requests)
      : m_(engine), results_(requests.size()), seq_job_(static_cast<std::size_t>(engine.n_parallel()) + 1, -1) {
    for (std::size_t i = 0; i < requests.size(); ++i) add_job(i, requests[i]);
  }

  std::vector<Generation> run() {
    if (jobs_.empty()) return std::move(results_);
    share_prefix();
    while (!queue_.empty() || !running_.empty()) step();
    return std::move(results_);
  }

 private:
  struct Output {  // a batch position whose logits give the next token of a job
    int index;
    std::size_t job;
  };

  Impl& m_;
  std::vector<Generation> results_;
  std::vector<Job> jobs_;
  std::size_t prefix_ = 0;            // tokens of the shared prefix (sequence 0)
  std::deque<std::size_t> queue_;     // jobs waiting for a sequence, next first
  std::vector<int> seq_job_;          // sequence id -> job, -1 when free
  std::vector<std::size_t> running_;  // jobs holding a sequence, in admission order
  std::size_t cells_ = 0;             // KV cells in use
  std::uint64_t admissions_ = 0;
  std::vector<Output> outputs_;  // of the current batch

  std::size_t n_ctx() const { return static_cast<std::size_t>(m_.n_ctx); }
  std::size_t job_of(const Job& j) const { return static_cast<std::size_t>(&j - jobs_.data()); }

  // A request as a queued job (prompt tokens, sampler); one that cannot run is answered with an error.
  void add_job(std::size_t i, const GenerationRequest& r) {
    try {
      if (r.sampling.max_tokens < 1) throw Error("max_tokens must be at least 1");
      Job j;
      j.request = i;
      j.params = &r.sampling;
      j.prompt = m_.tokenize(m_.render(r.messages, true));
      results_[i].prompt_tokens = static_cast<int>(j.prompt.size());
      if (j.prompt.empty()) throw Error("the prompt is empty");
      if (j.prompt.size() >= n_ctx())
        throw Error("the prompt is " + std::to_string(j.prompt.size()) +
                    " tokens long and does not fit the context of " + std::to_string(n_ctx()) + " tokens (n_ctx)");
      j.sampler = detail::make_sampler(m_.vocab, r.sampling);
      queue_.push_back(jobs_.size());
      jobs_.push_back(std::move(j));
    } catch (const Error& e) {
      results_[i].finish = FinishReason::Error;
      results_[i].error = e.what();
    }
  }

  // The prefix common to every prompt, into sequence 0; each prompt keeps at least its last token to
  // evaluate in its own sequence.
  void share_prefix() {
    if (!m_.opt.reference_mode && m_.can_share_prefix) {
      prefix_ = jobs_[0].prompt.size() - 1;
      for (const auto& j : jobs_)
        prefix_ = std::min({prefix_, detail::common_prefix(jobs_[0].prompt, j.prompt), j.prompt.size() - 1});
    }
    const std::size_t kept = m_.set_prefix(jobs_[0].prompt, prefix_);
    m_.stats.prefix_tokens_reused += jobs_.size() * prefix_ - (prefix_ - kept);
    cells_ = prefix_;
  }

  // One llama_decode call and what follows from it.
  void step() {
    admit();
    preempt_until_decoding_fits();
    if (!fill_batch()) {  // the cache is full of prompts: make room
      if (running_.size() <= 1) throw Error("llama backend: the KV cache cannot hold a single sequence (n_ctx)");
      preempt_youngest();
      return;
    }
    const int rc = m_.decode();
    if (rc == 1 && running_.size() > 1) {  // no KV slot after all: make room and rebuild the batch
      preempt_youngest();
      return;
    }
    if (rc != 0)
      throw Error("llama_decode failed (status " + std::to_string(rc) + ")" +
                  (detail::llama_errors().empty() ? "" : ": " + detail::llama_errors()));
    cells_ += static_cast<std::size_t>(m_.batch.n_tokens);
    for (int i = 0; i < m_.batch.n_tokens; ++i)
      ++jobs_[static_cast<std::size_t>(seq_job_[static_cast<std::size_t>(m_.batch.seq_id[i][0])])].fed;
    sample_outputs();
  }

  // Admits queued jobs while sequences and (optimistically) KV cells allow; the first always fits.
  void admit() {
    while (!queue_.empty() && static_cast<int>(running_.size()) < m_.n_parallel()) {
      Job& j = jobs_[queue_.front()];
      const std::size_t need = j.prompt.size() - prefix_ + expected_answer(j);
      if (!running_.empty() && committed() + need > n_ctx()) break;
      llama_seq_id s = 1;
      while (seq_job_[static_cast<std::size_t>(s)] != -1) ++s;
      seq_job_[static_cast<std::size_t>(s)] = static_cast<int>(queue_.front());
      j.seq = s;
      if (prefix_ > 0) llama_memory_seq_cp(m_.memory(), 0, s, -1, -1);
      j.fed = prefix_;
      j.state = State::Prefill;
      j.admitted = admissions_++;
      running_.push_back(queue_.front());
      queue_.pop_front();
    }
  }

  // Cells that admitted sequences will still need: the rest of their prompts and a short answer.
  std::size_t committed() const {
    std::size_t n = cells_;
    for (auto k : running_) {
      const Job& j = jobs_[k];
      const std::size_t answered = j.fed > j.prompt.size() ? j.fed - j.prompt.size() : 0;
      const std::size_t expected = expected_answer(j);
      n += (j.prompt.size() > j.fed ? j.prompt.size() - j.fed : 0) + (expected > answered ? expected - answered : 0);
    }
    return n;
  }

  // Every decoding sequence needs one more cell: restart the youngest sequences until they fit.
  void preempt_until_decoding_fits() {
    auto decoding = [&] {
      std::size_t n = 0;
      for (auto k : running_) n += jobs_[k].state == State::Decode;
      return n;
    };
    while (running_.size() > 1 && cells_ + decoding() > n_ctx()) preempt_youngest();
  }

  // The batch: the pending token of every decoding sequence, then prompt tokens of sequences in
  // prefill (oldest admission first) within the free cells and n_batch. False when it is empty.
  bool fill_batch() {
    m_.batch_clear();
    outputs_.clear();
    std::size_t room = n_ctx() - cells_;
    for (auto k : running_) {
      Job& j = jobs_[k];
      if (j.state != State::Decode) continue;
      outputs_.push_back({m_.batch.n_tokens, k});
      m_.batch_add(j.pending, static_cast<llama_pos>(j.fed), j.seq, true);
      --room;
    }
    for (auto k : running_) {
      Job& j = jobs_[k];
      if (j.state != State::Prefill) continue;
      const std::size_t budget = std::min(room, static_cast<std::size_t>(m_.n_batch() - m_.batch.n_tokens));
      const std::size_t n = std::min(budget, j.prompt.size() - j.fed);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t pos = j.fed + i;
        const bool last = pos + 1 == j.prompt.size();  // its logits give the first answer token
        if (last) outputs_.push_back({m_.batch.n_tokens, k});
        m_.batch_add(j.prompt[pos], static_cast<llama_pos>(pos), j.seq, last);
      }
      room -= n;
    }
    return m_.batch.n_tokens > 0;
  }

  // The next token of every job with logits in the batch, with its sampler.
  void sample_outputs() {
    detail::Timer t(m_.stats.sample_seconds);
    for (const auto& o : outputs_) {
      Job& j = jobs_[o.job];
      llama_token tok;
      try {
        tok = llama_sampler_sample(j.sampler.get(), m_.ctx.get(), o.index);
      } catch (const std::exception& e) {  // e.g. the grammar rejects every token
        finish(j, FinishReason::Error, std::string("sampling failed: ") + e.what());
        continue;
      }
      if (j.params->top_logprobs > 0)
        j.logprobs.push_back(detail::token_logprob(m_.vocab, llama_get_logits_ith(m_.ctx.get(), o.index), m_.n_vocab,
                                                   tok, j.params->top_logprobs));
      advance(j, tok);
    }
  }

  // A sampled token either ends the job (end of generation, a stop string, max_tokens, the context)
  // or is appended to its answer and fed next step.
  void advance(Job& j, llama_token tok) {
    if (llama_vocab_is_eog(m_.vocab, tok)) return finish(j, FinishReason::Stop);
    j.out.push_back(tok);
    const std::size_t before = j.bytes.size();
    j.bytes += common_token_to_piece(m_.vocab, tok, false);
    if (cut_at_stop(j, before)) return finish(j, FinishReason::Stop);
    if (static_cast<int>(j.out.size()) >= j.params->max_tokens || j.fed >= n_ctx())
      return finish(j, FinishReason::Length);
    j.pending = tok;
    j.state = State::Decode;
  }

  // Frees a job's sequence and its cells beyond the shared prefix.
  void release(Job& j) {
    llama_memory_seq_rm(m_.memory(), j.seq, -1, -1);
    seq_job_[static_cast<std::size_t>(j.seq)] = -1;
    cells_ -= j.fed - prefix_;
    running_.erase(std::find(running_.begin(), running_.end(), job_of(j)));
  }

  void finish(Job& j, FinishReason why, std::string error = {}) {
    release(j);
    j.state = State::Done;
    Generation& g = results_[j.request];
    g.finish = why;
    g.error = std::move(error);
    g.text = detail::valid_utf8(j.bytes);
    g.completion_tokens = static_cast<int>(j.out.size());
    g.logprobs = std::move(j.logprobs);
    m_.stats.tokens_generated += j.out.size();
  }

  // The most recently admitted job goes back to the front of the queue, to start over later.
  void preempt_youngest() {
    auto it = std::max_element(running_.begin(), running_.end(),
                               [&](std::size_t a, std::size_t b) { return jobs_[a].admitted < jobs_[b].admitted; });
    Job& j = jobs_[*it];
    release(j);
    j.state = State::Queued;
    j.fed = 0;
    j.pending = -1;
    j.out.clear();
    j.bytes.clear();
    j.logprobs.clear();
    j.sampler = detail::make_sampler(m_.vocab, *j.params);
    queue_.push_front(job_of(j));
    ++m_.stats.preemptions;
  }
};

std::vector<Generation> LlamaBackend::Impl::generate(std::span<const GenerationRequest> requests) {
  return GenerationScheduler(*this, requests).run();
}

}  // namespace sceval::llm
