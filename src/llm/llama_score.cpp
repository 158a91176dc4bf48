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
  Tokens tokens;                 // prompt + prefix + option
  std::size_t first = 0;         // first option token
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

// Softmax of the options' log-probabilities.
std::vector<double> probabilities(const std::vector<double>& logprob) {
  const double mx = *std::max_element(logprob.begin(), logprob.end());
  double z = 0;
  for (double lp : logprob) z += std::exp(lp - mx);
  std::vector<double> p;
  for (double lp : logprob) p.push_back(std::exp(lp - mx) / z);
  return p;
}

}  // namespace

// One score() call. The batch prefix sits in sequence 0; a request whose prompt goes beyond it first
// evaluates its head in a sequence of its own (prefill); then each of its options is a sequence
// copied from the head, fed the option's tokens, its log-probability summed from the logits of the
// positions before them. Requests are admitted in order as sequences and KV cells free up.
class LlamaBackend::Impl::ScoringScheduler {
 public:
  ScoringScheduler(Impl& engine, std::span<const LabelScoreRequest> requests)
      : m_(engine),
        results_(requests.size()),
        groups_(requests.size()),
        seq_busy_(static_cast<std::size_t>(engine.n_parallel()) + 1, false),
        free_seqs_(engine.n_parallel()) {
    for (std::size_t r = 0; r < requests.size(); ++r) plan(r, requests[r]);
    if (m_.opt.reference_mode || !m_.can_share_prefix || m_.n_parallel() < 2)
      for (auto& g : groups_) g.Q = 0, g.head.clear();  // every option from its first token
  }

  std::vector<OptionScores> run() {
    share_prefix();
    for (auto& g : groups_) set_option_ranges(g);
    while (done_groups_ < groups_.size()) step();
    if (reference_cost_ > evaluated_) m_.stats.prefix_tokens_reused += reference_cost_ - evaluated_;
    for (std::size_t r = 0; r < groups_.size(); ++r) {
      const auto& g = groups_[r];
      for (std::size_t o = 0; o < g.items.size(); ++o) results_[r].logprob[o] = items_[g.items[o]].logprob;
      results_[r].probability = probabilities(results_[r].logprob);
    }
    return std::move(results_);
  }

 private:
  struct Output {  // a batch position whose logits score the next token of an option
    int index;
    std::size_t item;
    llama_token next;
  };

  Impl& m_;
  std::vector<OptionScores> results_;
  std::vector<Group> groups_;  // one per request
  std::vector<Item> items_;    // one per option of every request
  std::size_t prefix_ = 0;     // tokens of the batch prefix (sequence 0)
  std::size_t cells_ = 0;      // reserved KV cells
  std::vector<bool> seq_busy_;
  int free_seqs_ = 0;
  std::size_t done_groups_ = 0;
  std::size_t reference_cost_ = 0;  // tokens a from-scratch evaluation of every option would take
  std::size_t evaluated_ = 0;       // tokens evaluated
  std::vector<Output> outputs_;     // of the current batch

  std::size_t n_ctx() const { return static_cast<std::size_t>(m_.n_ctx); }
  std::size_t batch_room() const { return static_cast<std::size_t>(m_.n_batch() - m_.batch.n_tokens); }

  // Request r as a group of items: the tokens of its context and of context + each option. Throws
  // sceval::Error naming the request when it cannot be scored.
  void plan(std::size_t r, const LabelScoreRequest& req) {
    auto fail = [&](const std::string& why) { return Error("score request " + std::to_string(r) + ": " + why); };
    if (req.options.empty()) throw fail("no options to score");
    std::string context;
    try {
      context = m_.render(req.messages, true) + req.answer_prefix;
    } catch (const Error& e) {
      throw fail(e.what());
    }
    const Tokens ctx_tokens = m_.tokenize(context);
    Group& g = groups_[r];
    g.Q = ctx_tokens.size();
    results_[r].logprob.assign(req.options.size(), 0.0);
    results_[r].n_tokens.assign(req.options.size(), 0);
    for (std::size_t o = 0; o < req.options.size(); ++o) {
      Item it;
      it.group = r;
      it.tokens = m_.tokenize(context + req.options[o]);
      if (it.tokens.size() > n_ctx())
        throw fail("prompt and option \"" + req.options[o] + "\" are " + std::to_string(it.tokens.size()) +
                   " tokens long and do not fit the context of " + std::to_string(n_ctx()) + " tokens (n_ctx)");
      it.first = detail::common_prefix(it.tokens, ctx_tokens);
      if (it.first == 0) throw fail("option \"" + req.options[o] + "\" changes the prompt's first token");
      results_[r].n_tokens[o] = static_cast<int>(it.tokens.size() - it.first);
      g.Q = std::min(g.Q, it.first - 1);
      reference_cost_ += it.tokens.size() - 1;
      g.items.push_back(items_.size());
      items_.push_back(std::move(it));
    }
    g.head.assign(ctx_tokens.begin(), ctx_tokens.begin() + static_cast<std::ptrdiff_t>(g.Q));
  }

  // The head tokens common to every request, into sequence 0.
  void share_prefix() {
    prefix_ = groups_[0].Q;
    for (const auto& g : groups_) prefix_ = std::min({prefix_, g.Q, detail::common_prefix(groups_[0].head, g.head)});
    const std::size_t kept = m_.set_prefix(groups_[0].head, prefix_);
    evaluated_ = prefix_ - kept;
    cells_ = prefix_;
  }

  // Each option's sequence is fed positions [Q, last token); an option with no tokens of its own is
  // done at once with log-probability 0, and a request with only such options is done.
  void set_option_ranges(Group& g) {
    for (auto i : g.items) {
      Item& it = items_[i];
      it.from = g.Q;
      it.to = it.tokens.size() - 1;
      it.done = it.first == it.tokens.size();
      g.left += !it.done;
      g.max_item_cells = std::max(g.max_item_cells, it.to - it.from);
    }
    if (g.left == 0) {
      g.state = GroupState::Done;
      ++done_groups_;
    }
  }

  // One llama_decode call and what follows from it.
  void step() {
    admit();
    fill_batch();
    if (m_.batch.n_tokens == 0) throw Error("llama backend: internal error: scoring made no progress");
    evaluated_ += static_cast<std::size_t>(m_.batch.n_tokens);
    if (int rc = m_.decode(); rc != 0)
      throw Error("llama_decode failed (status " + std::to_string(rc) + ") while scoring" +
                  (detail::llama_errors().empty() ? "" : ": " + detail::llama_errors()));
    add_logprobs();
    for (auto& g : groups_)
      if (g.state == GroupState::Prefill && g.fed == g.Q) g.state = GroupState::Ready;
    retire_scored_options();
  }

  // Admission, in request order: a request's head, then its options as sequences become free.
  void admit() {
    for (auto& g : groups_) {
      if (g.state == GroupState::Waiting && !start_head(g)) break;
      if (g.state != GroupState::Ready) continue;
      start_options(g);
      if (free_seqs_ == 0) break;
    }
  }

  // A waiting request's head: ready at once when it is the batch prefix; else a sequence of its own
  // (copied from the prefix) when one is free besides one for an option, and the cells for the head
  // and its longest option are. False when the request must wait.
  bool start_head(Group& g) {
    if (g.Q == prefix_) {
      g.state = GroupState::Ready;
      return true;
    }
    if (free_seqs_ < 2 || cells_ + (g.Q - prefix_) + g.max_item_cells > n_ctx()) return false;
    g.seq = take_seq();
    if (prefix_ > 0) llama_memory_seq_cp(m_.memory(), 0, g.seq, -1, -1);
    g.fed = prefix_;
    cells_ += g.Q - prefix_;
    g.state = GroupState::Prefill;
    return true;
  }

  // A ready request's options, each a sequence copied from its head, while sequences and cells allow.
  // Once every option holds a copy, the head's own sequence goes.
  void start_options(Group& g) {
    while (g.next < g.items.size() && free_seqs_ > 0) {
      Item& it = items_[g.items[g.next]];
      if (it.done) {
        ++g.next;
        continue;
      }
      if (cells_ + (it.to - it.from) > n_ctx()) break;
      it.seq = take_seq();
      llama_memory_seq_cp(m_.memory(), g.seq >= 0 ? g.seq : 0, it.seq, -1, -1);
      it.fed = it.from;
      it.running = true;
      cells_ += it.to - it.from;
      ++g.next;
    }
    if (g.next == g.items.size() && g.seq >= 0) {
      drop_seq(g.seq);
      g.seq = -1;
    }
  }

  // The batch: head tokens of requests in prefill, then tokens of running options (logits wanted
  // where the next token is the option's), up to n_batch.
  void fill_batch() {
    m_.batch_clear();
    outputs_.clear();
    for (auto& g : groups_) {
      if (g.state != GroupState::Prefill || batch_room() == 0) continue;
      const std::size_t n = std::min(g.Q - g.fed, batch_room());
      for (std::size_t p = g.fed; p < g.fed + n; ++p) m_.batch_add(g.head[p], static_cast<llama_pos>(p), g.seq, false);
      g.fed += n;
    }
    for (std::size_t i = 0; i < items_.size() && batch_room() > 0; ++i) {
      Item& it = items_[i];
      if (!it.running) continue;
      const std::size_t n = std::min(it.to - it.fed, batch_room());
      for (std::size_t p = it.fed; p < it.fed + n; ++p) {
        const bool want = p + 1 >= it.first;
        if (want) outputs_.push_back({m_.batch.n_tokens, i, it.tokens[p + 1]});
        m_.batch_add(it.tokens[p], static_cast<llama_pos>(p), it.seq, want);
      }
      it.fed += n;
    }
  }

  // log-softmax of each option token, added to its option.
  void add_logprobs() {
    detail::Timer t(m_.stats.sample_seconds);
    for (const auto& o : outputs_) {
      const float* logits = llama_get_logits_ith(m_.ctx.get(), o.index);
      items_[o.item].logprob += static_cast<double>(logits[o.next]) - detail::log_sum_exp(logits, m_.n_vocab);
    }
  }

  // Options fed to their last position are scored: their sequences and cells go, and a request whose
  // options are all scored gives back its head's cells.
  void retire_scored_options() {
    for (auto& it : items_) {
      if (!it.running || it.fed < it.to) continue;
      it.running = false;
      it.done = true;
      drop_seq(it.seq);
      cells_ -= it.to - it.from;
      Group& g = groups_[it.group];
      if (--g.left == 0) {
        g.state = GroupState::Done;
        cells_ -= g.Q - prefix_;
        ++done_groups_;
      }
    }
  }

  llama_seq_id take_seq() {
    llama_seq_id s = 1;
    while (seq_busy_[static_cast<std::size_t>(s)]) ++s;
    seq_busy_[static_cast<std::size_t>(s)] = true;
    --free_seqs_;
    return s;
  }

  void drop_seq(llama_seq_id s) {
    llama_memory_seq_rm(m_.memory(), s, -1, -1);
    seq_busy_[static_cast<std::size_t>(s)] = false;
    ++free_seqs_;
  }
};

std::vector<OptionScores> LlamaBackend::Impl::score(std::span<const LabelScoreRequest> requests) {
  if (requests.empty()) return {};
  return ScoringScheduler(*this, requests).run();
}

}  // namespace sceval::llm
