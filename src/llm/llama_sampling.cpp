// Per-request samplers (greedy / seeded, grammar, JSON schema) and log-probabilities.
#include <common.h>
#include <json-schema-to-grammar.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "llm/llama_internal.h"

namespace sceval::llm::detail {

SamplerPtr make_sampler(const llama_vocab* vocab, const GenerateOptions& p) {
  llama_sampler_chain_params cp = llama_sampler_chain_default_params();
  cp.no_perf = true;
  SamplerPtr chain(llama_sampler_chain_init(cp));
  if (p.grammar && p.json_schema) throw Error("give either a grammar or a JSON schema, not both");
  std::string gbnf;
  if (p.grammar) gbnf = *p.grammar;
  if (p.json_schema) {
    try {
      gbnf = json_schema_to_grammar(common_json::parse(p.json_schema->dump()));
    } catch (const std::exception& e) {
      throw Error(std::string("the JSON schema cannot be turned into a grammar: ") + e.what());
    }
  }
  if (!gbnf.empty()) {
    llama_sampler* g = nullptr;
    try {
      g = llama_sampler_init_grammar(vocab, gbnf.c_str(), "root");
    } catch (const std::exception& e) {
      throw Error(std::string("invalid grammar: ") + e.what());
    }
    if (!g) {
      std::string why = llama_errors();
      throw Error("invalid grammar (llama.cpp cannot parse it" + (why.empty() ? ")" : "): " + why));
    }
    llama_sampler_chain_add(chain.get(), g);
  }
  if (!(p.temperature > 0)) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  if (p.top_p < 1.0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(static_cast<float>(p.top_p), 1));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(static_cast<float>(p.temperature)));
  // llama.cpp seeds are 32-bit and LLAMA_DEFAULT_SEED means "random": fold the 64-bit seed and
  // avoid that one value, so that every seed is reproducible.
  auto seed = static_cast<std::uint32_t>(p.seed ^ (p.seed >> 32));
  if (seed == LLAMA_DEFAULT_SEED) seed = 0x5eed5eedu;
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(seed));
  return chain;
}

double log_sum_exp(const float* logits, int n_vocab) {
  const float mx = *std::max_element(logits, logits + n_vocab);
  double s = 0;
  for (int i = 0; i < n_vocab; ++i) s += std::exp(static_cast<double>(logits[i]) - mx);
  return mx + std::log(s);
}

TokenLogprob token_logprob(const llama_vocab* vocab, const float* logits, int n_vocab, llama_token chosen, int top_n) {
  const double lse = log_sum_exp(logits, n_vocab);
  TokenLogprob t;
  t.token = valid_utf8(common_token_to_piece(vocab, chosen, false));
  t.logprob = static_cast<double>(logits[chosen]) - lse;
  if (top_n > 0) {
    top_n = std::min(top_n, n_vocab);
    std::vector<llama_token> ids(static_cast<std::size_t>(n_vocab));
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + top_n, ids.end(), [&](llama_token a, llama_token b) {
      return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
    for (int i = 0; i < top_n; ++i)
      t.top.emplace_back(valid_utf8(common_token_to_piece(vocab, ids[i], false)),
                         static_cast<double>(logits[ids[i]]) - lse);
  }
  return t;
}

}  // namespace sceval::llm::detail
