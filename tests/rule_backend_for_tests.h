#pragma once
// RuleBackendForTests: a deterministic in-process test double of a model (not a model). It reads
// the grid point back from a turn-1 prompt (each description line names one feature value) and
// answers with the label a rule or a stored map gives that point; NA and off-label cells answer
// text that is no option. A follow-up gets an SCE derived from the original point by a seeded
// rule: a point 1-3 features away (sometimes the original itself), an off-grid value, or no JSON.
// Prompts it cannot read (off-grid values asked live) get a label from a hash of the text.
// Shared by tests/experiment/lazy_test.cpp and bench/bench_lazy.cpp.
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "grid/grid.h"
#include "llm/backend.h"
#include "metrics/decision_map.h"
#include "task/render.h"

namespace sceval::testing {

class RuleBackendForTests : public llm::Backend {
 public:
  // label_of(i): an option index, metrics::kNA or metrics::kOffLabel.
  RuleBackendForTests(const grid::Grid& g, std::function<metrics::Label(grid::Index)> label_of, std::uint64_t seed = 1)
      : g_(g), label_of_(std::move(label_of)), seed_(seed) {
    const task::Task& t = g.task();
    std::vector<std::size_t> rec(g.dims(), 0);
    for (std::size_t j = 0; j < g.dims(); ++j)
      for (std::size_t p = 0; p < g.radix(j); ++p) {
        rec.assign(g.dims(), 0);
        rec[j] = p;
        auto lines = split(task::describe(t, rec), t.description_separator);
        if (lines.size() != g.dims()) throw std::runtime_error("RuleBackendForTests: description lines != features");
        line_[lines[j]] = {j, p};
      }
  }

  std::string identity() const override { return "rule-backend-for-tests/" + std::to_string(seed_); }
  std::size_t calls = 0, requests = 0;
  std::size_t fail_after = static_cast<std::size_t>(-1);  // throw once this many requests were answered (a kill)

  std::vector<llm::Generation> generate(std::span<const llm::GenerationRequest> batch) override {
    ++calls;
    std::vector<llm::Generation> out;
    for (const auto& r : batch) {
      if (requests >= fail_after) throw std::runtime_error("killed");
      ++requests;
      llm::Generation g;
      std::size_t users = 0;
      for (const auto& m : r.messages) users += m.role == "user";
      g.text = users == 1 ? turn1(r.messages.back().content) : followup(r.messages);
      out.push_back(g);
    }
    return out;
  }

  // The grid point a turn-1 prompt describes, if every feature's line is found.
  std::optional<grid::Index> point_of(const std::string& prompt) const {
    std::vector<std::optional<std::size_t>> pos(g_.dims());
    for (const auto& l : split(prompt, "\n")) {
      auto it = line_.find(l);
      if (it != line_.end()) pos[it->second.first] = it->second.second;
    }
    std::vector<std::size_t> rec;
    for (auto& p : pos) {
      if (!p) return std::nullopt;
      rec.push_back(*p);
    }
    return g_.index(rec);
  }

 private:
  static std::vector<std::string> split(const std::string& s, const std::string& sep) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (std::size_t e; (e = s.find(sep, b)) != std::string::npos; b = e + sep.size())
      out.push_back(s.substr(b, e - b));
    out.push_back(s.substr(b));
    return out;
  }
  std::uint64_t mix(std::uint64_t x) const {
    x += seed_ * 0x9E3779B97F4A7C15ull;
    x ^= x >> 31, x *= 0xBF58476D1CE4E5B9ull, x ^= x >> 29, x *= 0x94D049BB133111EBull;
    return x ^ (x >> 32);
  }
  std::string answer(metrics::Label l) const {
    if (l == metrics::kNA) return "I cannot tell.";
    if (l == metrics::kOffLabel) return "{\"" + g_.task().answer_key + "\": \"maybe\"}";
    return "{\"" + g_.task().answer_key + "\": \"" + g_.task().options[l] + "\"}";
  }
  std::string turn1(const std::string& prompt) const {
    if (auto i = point_of(prompt)) return answer(label_of_(*i));
    const auto k = g_.task().options.size();
    return answer(static_cast<metrics::Label>(mix(std::hash<std::string>{}(prompt)) % k));
  }
  std::string followup(const Conversation& m) const {
    std::string first;
    for (const auto& x : m)
      if (x.role == "user") {
        first = x.content;
        break;
      }
    auto x = point_of(first);
    if (!x) return "no idea";
    std::uint64_t h = mix(*x);
    auto rec = g_.record(*x);
    if (h % 10 == 0) return "I would rather not say.";
    nlohmann::json j = nlohmann::json::object();
    const int changes = static_cast<int>((h >> 8) % 4);  // 0..3 features
    for (int c = 0; c < changes; ++c) {
      std::size_t f = (h >> (12 + 6 * c)) % g_.dims();
      rec[f] = (h >> (30 + 5 * c)) % g_.radix(f);
    }
    for (std::size_t f = 0; f < g_.dims(); ++f) {
      const auto& feat = g_.feature(f);
      std::string v = feat.text(rec[f]);
      if (h % 10 == 1 && feat.type == task::FeatureType::Integer && f == 0)
        v = std::to_string(feat.code(rec[f]) + 1000 * (feat.step > 0 ? 1 : -1));  // off the grid
      j[feat.key] = v;
    }
    return j.dump();
  }

  const grid::Grid& g_;
  std::function<metrics::Label(grid::Index)> label_of_;
  std::uint64_t seed_;
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> line_;
};

}  // namespace sceval::testing
