#include "llm/http/batch_backend.h"

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cmath>
#include <map>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/http/backend_common.h"

namespace sceval::llm {

using http::BatchLine;

std::string BatchEvent::line() const {
  switch (kind) {
    case Kind::Submitted:
      return fmt::format("{} batch submitted: {} requests (submission {})", provider, requests, attempt);
    case Kind::Resumed:
      return fmt::format("{} batch resumed: {} requests, last seen {}", provider, requests, state);
    case Kind::State:
      return fmt::format("{} batch {}{}", provider, state, counts.empty() ? "" : ": " + counts);
    case Kind::Collected:
      return fmt::format("{} batch {}: {} answers, {} failed{}", provider, state, succeeded, failed,
                         detail.empty() ? "" : " (" + detail + ")");
    case Kind::Resubmitting:
      return fmt::format("{}: resubmitting {} failed requests (submission {})", provider, requests, attempt);
    case Kind::Waiting:
      return fmt::format("{}: {} batches open", provider, open_batches);
  }
  return {};
}

std::string BatchEvent::debug_line() const { return batch_id.empty() ? line() : line() + " [" + batch_id + "]"; }

bool is_batch_setting(std::string_view key) {
  return key == "batch" || key == "batch_poll" || key == "batch_max_requests" || key == "batch_attempts";
}

BatchOptions batch_options(const ModelSpec& spec) {
  BatchOptions o;
  for (const auto& setting : spec.settings) {
    // Named references, not a structured binding: clang 14 (Debian 12) cannot capture bindings.
    const std::string& key = setting.first;
    const std::string& value = setting.second;
    auto fail = [&](std::string_view expected) {
      throw Error(fmt::format("model spec {}:{}: setting {}: expected {}, got \"{}\"", spec.provider, spec.model, key,
                              expected, value));
    };
    auto integer = [&](long min) {
      long v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || p != value.data() + value.size() || v < min) fail(fmt::format("an integer >= {}", min));
      return v;
    };
    if (key == "batch") {
      if (value.empty() || value == "1" || value == "true" || value == "yes" || value == "on")
        o.enabled = true;
      else if (value == "0" || value == "false" || value == "no" || value == "off")
        o.enabled = false;
      else
        fail("1, 0, true or false");
    } else if (key == "batch_poll") {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(v) || v <= 0) fail("seconds > 0");
      o.poll_s = v;
    } else if (key == "batch_max_requests") {
      o.max_requests = static_cast<std::size_t>(integer(1));
    } else if (key == "batch_attempts") {
      o.max_attempts = static_cast<int>(integer(1));
    }
  }
  return o;
}

namespace {

BatchEvent event(BatchEvent::Kind kind, std::string id = {}, std::string state = {}) {
  BatchEvent e;
  e.kind = kind;
  e.batch_id = std::move(id);
  e.state = std::move(state);
  return e;
}

}  // namespace

// The state of one generate() call.
struct BatchBackend::Run {
  struct Open {
    std::string id;
    int attempt = 1;
    std::vector<std::string> keys;  // the requests of this call it holds
    std::string state;
  };
  struct Failure {
    std::string key, error;
    bool retryable = true;
  };

  Run(BatchBackend& s, std::span<const GenerationRequest> b, const ResultCallback& cb)
      : self(s), batch(b), on_result(cb), identity(s.identity()), provider(s.provider_->name()), results(b.size()) {}

  BatchBackend& self;
  std::span<const GenerationRequest> batch;
  const ResultCallback& on_result;
  std::string identity;
  std::string provider;
  std::vector<Generation> results;
  std::vector<std::string> keys;  // distinct, in batch order
  std::unordered_map<std::string, std::vector<std::size_t>> positions;
  std::unordered_map<std::string, nlohmann::ordered_json> bodies;
  std::vector<Open> open;

  void emit(BatchEvent e) const {
    e.provider = provider;
    if (self.options_.on_event) self.options_.on_event(e);
  }

  void deliver(const std::string& key, Generation g) {
    for (std::size_t i : positions.at(key)) {
      results[i] = g;
      // As the direct path (run_batch): stop strings cut the text before the answer is cached.
      if (results[i].finish != FinishReason::Error && cut_at_stop(results[i].text, batch[i].sampling.stop))
        results[i].finish = FinishReason::Stop;
      if (on_result) on_result(i, results[i]);
    }
  }

  void fail(const std::string& key, const std::string& why) {
    Generation g;
    g.finish = FinishReason::Error;
    g.error = why;
    deliver(key, std::move(g));
  }

  void prepare() {
    std::unordered_map<std::string, std::size_t> first;  // without a journal: body text -> first position
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::string key;
      if (self.journal_) {
        key = self.journal_->key(identity, batch[i]);
      } else {
        std::string text;
        try {
          text = self.provider_->body(batch[i]).dump();
        } catch (const std::exception&) {
          text = fmt::format("unsendable {}", i);  // fails in go(), on its own
        }
        key = fmt::format("r{}", first.try_emplace(text, i).first->second);
      }
      auto [it, fresh] = positions.try_emplace(key);
      it->second.push_back(i);
      if (fresh) keys.push_back(std::move(key));
    }
  }

  // Requests of this call held by open batches of an earlier, killed run: polled, not resubmitted.
  std::unordered_set<std::string> resume() {
    std::unordered_set<std::string> claimed;
    if (!self.journal_) return claimed;
    for (auto& b : self.journal_->open_batches(identity)) {
      Open o{b.id, b.attempt, {}, b.state};
      for (auto& k : b.keys)
        if (positions.contains(k) && claimed.insert(k).second) o.keys.push_back(k);
      if (o.keys.empty()) continue;
      BatchEvent e = event(BatchEvent::Kind::Resumed, o.id, o.state);
      e.requests = o.keys.size();
      e.attempt = o.attempt;
      emit(e);
      open.push_back(std::move(o));
    }
    return claimed;
  }

  // Submits `todo` as one or more batches (provider limits), each recorded before it is polled.
  void submit(const std::vector<std::string>& todo, int attempt) {
    auto& p = *self.provider_;
    const std::size_t max_n =
        self.options_.max_requests ? std::min(self.options_.max_requests, p.max_requests()) : p.max_requests();
    std::vector<BatchLine> part;
    std::size_t bytes = 0;
    auto flush = [&] {
      if (part.empty()) return;
      std::vector<std::string> part_keys;
      for (const auto& l : part) part_keys.push_back(l.custom_id);
      std::string id;
      try {
        id = p.submit(part);
      } catch (const Error& e) {  // not accepted: these requests fail (a rerun asks again)
        for (const auto& k : part_keys) fail(k, std::string("batch not submitted: ") + e.what());
        part.clear();
        bytes = 0;
        return;
      }
      if (self.journal_) self.journal_->record(identity, JournalBatch{id, provider, attempt, "submitted", part_keys});
      BatchEvent e = event(BatchEvent::Kind::Submitted, id, "submitted");
      e.requests = part.size();
      e.attempt = attempt;
      emit(e);
      open.push_back(Open{id, attempt, std::move(part_keys), "submitted"});
      part.clear();
      bytes = 0;
    };
    for (const auto& k : todo) {
      BatchLine l{k, bodies.at(k)};
      const std::size_t lb = p.line_bytes(l);
      if (lb > p.max_bytes()) {
        fail(k, fmt::format("request not sent: {} bytes, more than a {} batch may hold", lb, provider));
        continue;
      }
      if (part.size() >= max_n || bytes + lb > p.max_bytes()) flush();
      part.push_back(std::move(l));
      bytes += lb;
    }
    flush();
  }

  // Reads the results of an ended batch as they stream in: answers go to the cache at once, failed
  // lines are added to `failed`. Returns the number of answers. A download that fails (after the
  // transport's retries) ends the run like a failed poll: the batch stays open in the journal, so
  // a rerun downloads it again and submits nothing.
  std::size_t collect(const Open& b, const http::BatchStatus& s, std::vector<std::pair<int, Failure>>& failed) {
    std::unordered_map<std::string, bool> done;  // this batch's keys: answered?
    for (const auto& k : b.keys) done.emplace(k, false);
    std::unordered_map<std::string, Failure> failures;
    std::string unreadable;  // the first line that could not be read, if any
    std::size_t ok = 0;
    try {
      self.provider_->results(b.id, s, [&](http::LineResult r) {
        if (r.custom_id.empty()) {
          if (unreadable.empty()) unreadable = r.error;
          return;
        }
        auto d = done.find(r.custom_id);
        if (d == done.end() || d->second) return;  // not ours, or answered by an earlier line
        if (!r.ok) {
          failures.insert_or_assign(r.custom_id, Failure{r.custom_id, std::move(r.error), r.retryable});
          return;
        }
        d->second = true;
        failures.erase(r.custom_id);
        ++ok;
        deliver(r.custom_id, std::move(r.answer));
      });
    } catch (const Error& e) {
      throw Error(
          fmt::format("{} batch {}: downloading its results failed: {}; the answers are paid for: run the same "
                      "command again to download them (nothing is submitted again)",
                      provider, b.id, e.what()));
    }
    for (const auto& k : b.keys) {
      if (done.at(k)) continue;
      if (auto f = failures.find(k); f != failures.end())
        failed.push_back({b.attempt, std::move(f->second)});
      else if (!s.failure.empty())
        failed.push_back({b.attempt, Failure{k, s.failure, s.failure_retryable}});
      else
        failed.push_back(
            {b.attempt, Failure{k,
                                fmt::format("no result (batch {}){}", s.state,
                                            unreadable.empty() ? "" : "; an unreadable result line: " + unreadable),
                                true}});
    }
    return ok;
  }

  // Polls every open batch once; collects those that ended. Returns the failed lines.
  std::vector<std::pair<int, Failure>> poll_once() {
    std::vector<std::pair<int, Failure>> failed;
    for (auto it = open.begin(); it != open.end();) {
      http::BatchStatus s;
      try {
        s = self.provider_->poll(it->id);
      } catch (const Error& e) {  // answers collected so far are stored; the batch stays recorded
        throw Error(fmt::format("{} batch {}: polling failed: {}; run the same command again to resume polling it",
                                provider, it->id, e.what()));
      }
      if (s.state != it->state) {
        it->state = s.state;
        if (self.journal_) self.journal_->set_state(identity, it->id, s.state);
        BatchEvent e = event(BatchEvent::Kind::State, it->id, s.state);
        e.counts = s.counts;
        emit(e);
      }
      if (!s.ended) {
        ++it;
        continue;
      }
      const std::size_t ok = collect(*it, s, failed);
      if (self.journal_) self.journal_->collected(identity, it->id);
      BatchEvent e = event(BatchEvent::Kind::Collected, it->id, s.state);
      e.detail = s.failure;
      e.succeeded = ok;
      e.failed = it->keys.size() - ok;
      emit(e);
      it = open.erase(it);
    }
    return failed;
  }

  void resubmit(const std::vector<std::pair<int, Failure>>& failed) {
    std::map<int, std::vector<std::string>> again;  // by next submission number
    for (const auto& [attempt, f] : failed) {
      if (f.retryable && attempt < self.options_.max_attempts)
        again[attempt + 1].push_back(f.key);
      else
        fail(f.key,
             fmt::format("{} batch: {} (after {} submission{})", provider, f.error, attempt, attempt == 1 ? "" : "s"));
    }
    for (const auto& [attempt, todo] : again) {
      BatchEvent e = event(BatchEvent::Kind::Resubmitting);
      e.requests = todo.size();
      e.attempt = attempt;
      emit(e);
      submit(todo, attempt);
    }
  }

  void go() {
    prepare();
    const auto claimed = resume();
    const bool resumed = !open.empty();
    std::vector<std::string> fresh;
    for (const auto& k : keys) {
      if (claimed.contains(k)) continue;
      try {
        bodies.emplace(k, self.provider_->body(batch[positions.at(k).front()]));
        fresh.push_back(k);
      } catch (const std::exception& e) {  // sceval::Error, or invalid UTF-8 from the JSON writer
        fail(k, std::string("request not sent: ") + e.what());
      }
    }
    for (const auto& o : open)  // resumed batches: bodies of their requests, should they be resubmitted
      for (const auto& k : o.keys) try {
          bodies.emplace(k, self.provider_->body(batch[positions.at(k).front()]));
        } catch (const std::exception&) {
        }
    submit(fresh, 1);
    for (bool first = true; !open.empty(); first = false) {
      if (!(first && resumed)) std::this_thread::sleep_for(std::chrono::duration<double>(self.options_.poll_s));
      resubmit(poll_once());
      if (!open.empty()) {
        BatchEvent e = event(BatchEvent::Kind::Waiting);
        e.open_batches = open.size();
        emit(e);
      }
    }
  }
};

BatchBackend::BatchBackend(std::unique_ptr<http::BatchProvider> provider, BatchOptions options)
    : provider_(std::move(provider)), options_(std::move(options)) {
  if (!provider_) throw Error("batch backend: no provider");
  if (options_.max_attempts < 1) throw Error("batch backend: batch_attempts must be >= 1");
}

std::vector<Generation> BatchBackend::generate(std::span<const GenerationRequest> batch) {
  return generate_each(batch, {});
}

std::vector<Generation> BatchBackend::generate_each(std::span<const GenerationRequest> batch,
                                                    const ResultCallback& on_result) {
  if (batch.empty()) return {};
  Run run{*this, batch, on_result};
  run.go();
  return std::move(run.results);
}

std::unique_ptr<BatchBackend> make_batch_backend(const ModelSpec& spec) {
  BatchOptions b = batch_options(spec);
  if (spec.provider == "openai")
    return std::make_unique<BatchBackend>(http::make_openai_batch_provider(openai_options(spec)), b);
  if (spec.provider == "anthropic")
    return std::make_unique<BatchBackend>(http::make_anthropic_batch_provider(anthropic_options(spec)), b);
  throw Error("batch=1: unknown provider \"" + spec.provider + "\" (expected openai or anthropic)");
}

}  // namespace sceval::llm
