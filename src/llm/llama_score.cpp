// Label scoring: log P(option tokens | prompt + answer prefix) for every option, each option a
// sequence that shares its request's prompt KV (which shares the batch's common prefix, sequence 0).
//
// Tokenization: an option's tokens are those of tokenize(prompt + prefix + option) after its longest
// common prefix k with tokenize(prompt + prefix); they are scored given that common prefix. (When
// the option's first characters merge with the prefix's last token, k is one token shorter and
// that merged token counts as part of the option, as in lm-evaluation-harness.)
#include <algorithm>
#include <cmath>

#include "llm/llama_internal.h"

namespace sceval::llm {

namespace {

struct Item {  // one option of one request: a sequence
  std::size_t group = 0;
  Tokens tokens;          // prompt + prefix + option
  std::size_t first = 0;  // first option token
  std::size_t from = 0, to = 0;  // positions fed in this sequence: [from, to) (the last token needs no logits)
  std::size_t fed = 0;
  llama_seq_id seq = -1;
  double logprob = 0;
  bool running = false, done = false;
};

enum class GroupState { Waiting, Prefill, Ready, Done };

struct Group {  // one request: its prompt head [P, Q) evaluated once in its own sequence
  Tokens head;  // tokens[0, Q) common to all its options
  std::size_t Q = 0, fed = 0;
  llama_seq_id seq = -1;
  GroupState state = GroupState::Waiting;
  std::vector<std::size_t> items;
  std::size_t next = 0, left = 0, max_item_cells = 0;
};

}  // namespace

std::vector<OptionScores> LlamaBackend::Impl::score(std::span<const ScoreRequest> requests) {
  std::vector<OptionScores> results(requests.size());
  if (requests.empty()) return results;
  std::vector<Group> groups(requests.size());
  std::vector<Item> items;
  std::size_t reference_cost = 0;  // tokens a from-scratch evaluation of every option would take
  for (std::size_t r = 0; r < requests.size(); ++r) {
    const auto& req = requests[r];
    auto fail = [&](const std::string& why) {
      return Error("score request " + std::to_string(r) + ": " + why);
    };
    if (req.options.empty()) throw fail("no options to score");
    std::string context;
    try {
      context = render(req.messages, true) + req.answer_prefix;
    } catch (const Error& e) {
      throw fail(e.what());
    }
    const Tokens ctx_tokens = tokenize(context);
    Group& g = groups[r];
    g.Q = ctx_tokens.size();
    results[r].logprob.assign(req.options.size(), 0.0);
    results[r].n_tokens.assign(req.options.size(), 0);
    for (std::size_t o = 0; o < req.options.size(); ++o) {
      Item it;
      it.group = r;
      it.tokens = tokenize(context + req.options[o]);
      if (static_cast<int>(it.tokens.size()) > n_ctx)
        throw fail("prompt and option \"" + req.options[o] + "\" are " + std::to_string(it.tokens.size()) +
                   " tokens long and do not fit the context of " + std::to_string(n_ctx) + " tokens (n_ctx)");
      it.first = detail::common_prefix(it.tokens, ctx_tokens);
      if (it.first == 0) throw fail("option \"" + req.options[o] + "\" changes the prompt's first token");
      results[r].n_tokens[o] = static_cast<int>(it.tokens.size() - it.first);
      g.Q = std::min(g.Q, it.first - 1);
      reference_cost += it.tokens.size() - 1;
      g.items.push_back(items.size());
      items.push_back(std::move(it));
    }
    g.head.assign(ctx_tokens.begin(), ctx_tokens.begin() + static_cast<std::ptrdiff_t>(g.Q));
  }
  if (opt.reference_mode || !can_share_prefix || n_parallel() < 2)
    for (auto& g : groups) g.Q = 0, g.head.clear();  // every option from its first token
  std::size_t P = groups[0].Q;
  for (const auto& g : groups) P = std::min({P, g.Q, detail::common_prefix(groups[0].head, g.head)});
  const std::size_t kept = set_prefix(groups[0].head, P);
  std::size_t evaluated = P - kept;

  std::size_t cells = P;  // reserved KV cells
  std::vector<bool> seq_busy(static_cast<std::size_t>(n_parallel()) + 1, false);
  int free_seqs = n_parallel();
  auto take_seq = [&] {
    llama_seq_id s = 1;
    while (seq_busy[static_cast<std::size_t>(s)]) ++s;
    seq_busy[static_cast<std::size_t>(s)] = true;
    --free_seqs;
    return s;
  };
  auto drop_seq = [&](llama_seq_id s) {
    llama_memory_seq_rm(memory(), s, -1, -1);
    seq_busy[static_cast<std::size_t>(s)] = false;
    ++free_seqs;
  };
  for (auto& g : groups) {
    for (auto i : g.items) {
      Item& it = items[i];
      it.from = g.Q;
      it.to = it.tokens.size() - 1;
      it.done = it.first == it.tokens.size();  // an option with no tokens of its own: log-prob 0
      g.left += !it.done;
      g.max_item_cells = std::max(g.max_item_cells, it.to - it.from);
    }
    if (g.left == 0) g.state = GroupState::Done;
  }

  const auto ctx_cells = static_cast<std::size_t>(n_ctx);
  std::size_t done_groups = 0;
  for (const auto& g : groups) done_groups += g.state == GroupState::Done;
  while (done_groups < groups.size()) {
    // Admission, in request order: a request's head, then its options as sequences become free.
    for (auto& g : groups) {
      if (g.state == GroupState::Waiting) {
        if (g.Q == P) {
          g.state = GroupState::Ready;
        } else if (free_seqs >= 2 && cells + (g.Q - P) + g.max_item_cells <= ctx_cells) {
          g.seq = take_seq();
          if (P > 0) llama_memory_seq_cp(memory(), 0, g.seq, -1, -1);
          g.fed = P;
          cells += g.Q - P;
          g.state = GroupState::Prefill;
        } else {
          break;
        }
      }
      if (g.state != GroupState::Ready) continue;
      while (g.next < g.items.size() && free_seqs > 0) {
        Item& it = items[g.items[g.next]];
        if (it.done) {
          ++g.next;
          continue;
        }
        if (cells + (it.to - it.from) > ctx_cells) break;
        it.seq = take_seq();
        llama_memory_seq_cp(memory(), g.seq >= 0 ? g.seq : 0, it.seq, -1, -1);
        it.fed = it.from;
        it.running = true;
        cells += it.to - it.from;
        ++g.next;
      }
      if (g.next == g.items.size() && g.seq >= 0) {  // every option holds the head now
        drop_seq(g.seq);
        g.seq = -1;
      }
      if (free_seqs == 0) break;
    }

    batch_clear();
    struct Output {
      int index;
      std::size_t item;
      llama_token next;
    };
    std::vector<Output> outputs;
    for (auto& g : groups) {
      if (g.state != GroupState::Prefill || batch.n_tokens >= n_batch()) continue;
      const std::size_t n = std::min(g.Q - g.fed, static_cast<std::size_t>(n_batch() - batch.n_tokens));
      for (std::size_t p = g.fed; p < g.fed + n; ++p) batch_add(g.head[p], static_cast<llama_pos>(p), g.seq, false);
      g.fed += n;
    }
    for (std::size_t i = 0; i < items.size() && batch.n_tokens < n_batch(); ++i) {
      Item& it = items[i];
      if (!it.running) continue;
      const std::size_t n = std::min(it.to - it.fed, static_cast<std::size_t>(n_batch() - batch.n_tokens));
      for (std::size_t p = it.fed; p < it.fed + n; ++p) {
        const bool want = p + 1 >= it.first;
        if (want) outputs.push_back({batch.n_tokens, i, it.tokens[p + 1]});
        batch_add(it.tokens[p], static_cast<llama_pos>(p), it.seq, want);
      }
      it.fed += n;
    }
    if (batch.n_tokens == 0) throw Error("llama backend: internal error: scoring made no progress");
    evaluated += static_cast<std::size_t>(batch.n_tokens);
    if (int rc = decode(); rc != 0)
      throw Error("llama_decode failed (status " + std::to_string(rc) + ") while scoring" +
                  (detail::llama_errors().empty() ? "" : ": " + detail::llama_errors()));
    {
      detail::Timer t(stats.sample_seconds);
      for (const auto& o : outputs) {
        const float* logits = llama_get_logits_ith(ctx.get(), o.index);
        items[o.item].logprob += static_cast<double>(logits[o.next]) - detail::log_sum_exp(logits, n_vocab);
      }
    }
    for (auto& g : groups)
      if (g.state == GroupState::Prefill && g.fed == g.Q) g.state = GroupState::Ready;
    for (auto& it : items) {
      if (!it.running || it.fed < it.to) continue;
      it.running = false;
      it.done = true;
      drop_seq(it.seq);
      cells -= it.to - it.from;
      Group& g = groups[it.group];
      if (--g.left == 0) {
        g.state = GroupState::Done;
        cells -= g.Q - P;
        ++done_groups;
      }
    }
  }
  if (reference_cost > evaluated) stats.prefix_tokens_reused += reference_cost - evaluated;

  for (std::size_t r = 0; r < requests.size(); ++r) {
    auto& res = results[r];
    const auto& g = groups[r];
    for (std::size_t o = 0; o < g.items.size(); ++o) res.logprob[o] = items[g.items[o]].logprob;
    const double mx = *std::max_element(res.logprob.begin(), res.logprob.end());
    double z = 0;
    for (double lp : res.logprob) z += std::exp(lp - mx);
    for (double lp : res.logprob) res.probability.push_back(std::exp(lp - mx) / z);
  }
  return results;
}

}  // namespace sceval::llm
