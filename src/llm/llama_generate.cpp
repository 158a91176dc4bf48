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
  const SamplingParams* params = nullptr;
  Tokens prompt;
  detail::SamplerPtr sampler;
  State state = State::Queued;
  llama_seq_id seq = -1;
  std::size_t fed = 0;        // positions [0, fed) are in the sequence's KV cache
  llama_token pending = -1;   // sampled, to be fed next
  std::uint64_t admitted = 0; // admission order (preemption takes the youngest)
  Tokens out;
  std::string bytes;
  std::vector<TokenLogprob> logprobs;
};

}  // namespace

std::vector<Generation> LlamaBackend::Impl::generate(std::span<const GenerationRequest> requests) {
  std::vector<Generation> results(requests.size());
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    try {
      if (r.sampling.max_tokens < 1) throw Error("max_tokens must be at least 1");
      Job j;
      j.request = i;
      j.params = &r.sampling;
      j.prompt = tokenize(render(r.messages, true));
      results[i].prompt_tokens = static_cast<int>(j.prompt.size());
      if (j.prompt.empty()) throw Error("the prompt is empty");
      if (static_cast<int>(j.prompt.size()) >= n_ctx)
        throw Error("the prompt is " + std::to_string(j.prompt.size()) + " tokens long and does not fit the context of " +
                    std::to_string(n_ctx) + " tokens (n_ctx)");
      j.sampler = detail::make_sampler(vocab, r.sampling);
      jobs.push_back(std::move(j));
    } catch (const Error& e) {
      results[i].finish = FinishReason::Error;
      results[i].error = e.what();
    }
  }
  if (jobs.empty()) return results;

  // The shared prefix: every prompt keeps at least its last token to evaluate in its own sequence.
  std::size_t P = 0;
  if (!opt.reference_mode && can_share_prefix) {
    P = jobs[0].prompt.size() - 1;
    for (const auto& j : jobs) P = std::min({P, detail::common_prefix(jobs[0].prompt, j.prompt), j.prompt.size() - 1});
  }
  const std::size_t kept = set_prefix(jobs[0].prompt, P);
  stats.prefix_tokens_reused += jobs.size() * P - (P - kept);

  std::deque<std::size_t> queue;
  for (std::size_t i = 0; i < jobs.size(); ++i) queue.push_back(i);
  std::vector<int> seq_job(static_cast<std::size_t>(n_parallel()) + 1, -1);  // sequence id -> job
  std::vector<std::size_t> running;                                           // job indices
  std::size_t cells = P;                                                      // KV cells in use
  std::uint64_t admissions = 0;

  auto release = [&](Job& j) {
    llama_memory_seq_rm(memory(), j.seq, -1, -1);
    seq_job[static_cast<std::size_t>(j.seq)] = -1;
    cells -= j.fed - P;
    running.erase(std::find(running.begin(), running.end(), static_cast<std::size_t>(&j - jobs.data())));
  };
  auto finish = [&](Job& j, FinishReason why, std::string error = {}) {
    release(j);
    j.state = State::Done;
    Generation& g = results[j.request];
    g.finish = why;
    g.error = std::move(error);
    g.text = detail::valid_utf8(j.bytes);
    g.completion_tokens = static_cast<int>(j.out.size());
    g.logprobs = std::move(j.logprobs);
    stats.tokens_generated += j.out.size();
  };
  auto preempt_youngest = [&] {
    auto it = std::max_element(running.begin(), running.end(),
                               [&](std::size_t a, std::size_t b) { return jobs[a].admitted < jobs[b].admitted; });
    Job& j = jobs[*it];
    release(j);
    j.state = State::Queued;
    j.fed = 0;
    j.pending = -1;
    j.out.clear();
    j.bytes.clear();
    j.logprobs.clear();
    j.sampler = detail::make_sampler(vocab, *j.params);
    queue.push_front(static_cast<std::size_t>(&j - jobs.data()));
    ++stats.preemptions;
  };
  // Cells that admitted sequences will still need: the rest of their prompts and a short answer
  // (answers longer than that are what preemption is for).
  constexpr std::size_t kExpectedAnswer = 16;
  auto committed = [&] {
    std::size_t n = cells;
    for (auto k : running) {
      const Job& j = jobs[k];
      const std::size_t answered = j.fed > j.prompt.size() ? j.fed - j.prompt.size() : 0;
      const std::size_t expected = std::min<std::size_t>(static_cast<std::size_t>(j.params->max_tokens), kExpectedAnswer);
      n += (j.prompt.size() > j.fed ? j.prompt.size() - j.fed : 0) + (expected > answered ? expected - answered : 0);
    }
    return n;
  };

  struct Output {
    int index;
    std::size_t job;
  };
  std::vector<Output> outputs;
  while (!queue.empty() || !running.empty()) {
    // Admit queued requests while slots and (optimistically) KV cells allow.
    while (!queue.empty() && static_cast<int>(running.size()) < n_parallel()) {
      Job& j = jobs[queue.front()];
      const std::size_t need =
          j.prompt.size() - P + std::min<std::size_t>(static_cast<std::size_t>(j.params->max_tokens), kExpectedAnswer);
      if (!running.empty() && committed() + need > static_cast<std::size_t>(n_ctx)) break;
      llama_seq_id s = 1;
      while (seq_job[static_cast<std::size_t>(s)] != -1) ++s;
      seq_job[static_cast<std::size_t>(s)] = static_cast<int>(queue.front());
      j.seq = s;
      if (P > 0) llama_memory_seq_cp(memory(), 0, s, -1, -1);
      j.fed = P;
      j.state = State::Prefill;
      j.admitted = admissions++;
      running.push_back(queue.front());
      queue.pop_front();
    }

    // Every decoding sequence needs one cell; restart the youngest sequences until they fit.
    std::size_t decoding = 0;
    for (auto k : running) decoding += jobs[k].state == State::Decode;
    while (running.size() > 1 && cells + decoding > static_cast<std::size_t>(n_ctx)) {
      preempt_youngest();
      decoding = 0;
      for (auto k : running) decoding += jobs[k].state == State::Decode;
    }

    batch_clear();
    outputs.clear();
    std::size_t room = static_cast<std::size_t>(n_ctx) - cells;
    for (auto k : running) {
      Job& j = jobs[k];
      if (j.state != State::Decode) continue;
      outputs.push_back({batch.n_tokens, k});
      batch_add(j.pending, static_cast<llama_pos>(j.fed), j.seq, true);
      --room;
    }
    for (auto k : running) {  // prompt tokens, oldest admission first, in the remaining budget
      Job& j = jobs[k];
      if (j.state != State::Prefill) continue;
      std::size_t budget = std::min(room, static_cast<std::size_t>(n_batch() - batch.n_tokens));
      std::size_t n = std::min(budget, j.prompt.size() - j.fed);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t pos = j.fed + i;
        const bool last = pos + 1 == j.prompt.size();
        if (last) outputs.push_back({batch.n_tokens, k});
        batch_add(j.prompt[pos], static_cast<llama_pos>(pos), j.seq, last);
      }
      room -= n;
    }
    if (batch.n_tokens == 0) {  // the cache is full of prompts: make room
      if (running.size() <= 1) throw Error("llama backend: the KV cache cannot hold a single sequence (n_ctx)");
      preempt_youngest();
      continue;
    }
    const int rc = decode();
    if (rc == 1 && running.size() > 1) {  // no KV slot after all: make room and rebuild the batch
      preempt_youngest();
      continue;
    }
    if (rc != 0)
      throw Error("llama_decode failed (status " + std::to_string(rc) + ")" +
                  (detail::llama_errors().empty() ? "" : ": " + detail::llama_errors()));
    cells += static_cast<std::size_t>(batch.n_tokens);
    for (int i = 0; i < batch.n_tokens; ++i) {
      Job& j = jobs[static_cast<std::size_t>(seq_job[static_cast<std::size_t>(batch.seq_id[i][0])])];
      ++j.fed;
    }

    detail::Timer t(stats.sample_seconds);
    for (const auto& o : outputs) {
      Job& j = jobs[o.job];
      llama_token tok;
      try {
        tok = llama_sampler_sample(j.sampler.get(), ctx.get(), o.index);
      } catch (const std::exception& e) {  // e.g. the grammar rejects every token
        finish(j, FinishReason::Error, std::string("sampling failed: ") + e.what());
        continue;
      }
      if (j.params->top_logprobs > 0)
        j.logprobs.push_back(detail::token_logprob(vocab, llama_get_logits_ith(ctx.get(), o.index), n_vocab, tok,
                                                   j.params->top_logprobs));
      if (llama_vocab_is_eog(vocab, tok)) {
        finish(j, FinishReason::Stop);
        continue;
      }
      j.out.push_back(tok);
      const std::size_t before = j.bytes.size();
      j.bytes += common_token_to_piece(vocab, tok, false);
      if (!j.params->stop.empty()) {  // a stop string may begin in earlier pieces
        std::size_t longest = 0;
        for (const auto& s : j.params->stop) longest = std::max(longest, s.size());
        auto pos = find_stop(j.bytes, j.params->stop, before >= longest ? before - longest + 1 : 0);
        if (pos != std::string::npos) {
          j.bytes.resize(pos);
          finish(j, FinishReason::Stop);
          continue;
        }
      }
      if (static_cast<int>(j.out.size()) >= j.params->max_tokens || j.fed >= static_cast<std::size_t>(n_ctx)) {
        finish(j, FinishReason::Length);
        continue;
      }
      j.pending = tok;
      j.state = State::Decode;
    }
  }
  return results;
}

}  // namespace sceval::llm
