#include "llm/http/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "common/error.h"
#include "common/redact.h"
#include "llm/http/attempt.h"

namespace sceval::llm::http {

namespace {

using Clock = std::chrono::steady_clock;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl could not be initialised");
  });
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// One attempt of one request: a curl easy handle and what it has received so far.
struct Attempt {
  std::size_t index = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  std::size_t limit = 0;
  bool too_large = false;
  std::string retry_after, retry_after_ms, should_retry;
  char errbuf[CURL_ERROR_SIZE] = {};
  // libcurl re-sends a request by itself when a reused keep-alive connection turns out to be closed
  // before any byte of the reply. Each send counts as an attempt: `prior` attempts were made
  // before this transfer, `sends` by it, and a send beyond `max_attempts` is not made.
  int prior = 0;
  int sends = 0;
  int max_attempts = 1;
  bool limit_hit = false;

  Attempt() = default;
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;
  ~Attempt() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
  }
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* a = static_cast<Attempt*>(user);
  const std::size_t len = size * n;
  if (a->body.size() + len > a->limit) {
    a->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  a->body.append(data, len);
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* a = static_cast<Attempt*>(user);
  const std::size_t len = size * n;
  std::string_view line(data, len);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue, say): forget earlier headers
    a->retry_after.clear();
    a->retry_after_ms.clear();
    a->should_retry.clear();
    return len;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  const std::string name = lower(trim(line.substr(0, colon)));
  const std::string_view value = trim(line.substr(colon + 1));
  if (name == "retry-after")
    a->retry_after = value;
  else if (name == "retry-after-ms")
    a->retry_after_ms = value;
  else if (name == "x-should-retry")
    a->should_retry = lower(value);
  return len;
}

int on_prereq(void* user, char*, char*, int, int) {
  auto* a = static_cast<Attempt*>(user);
  if (a->prior + a->sends >= a->max_attempts) {
    a->limit_hit = true;
    return CURL_PREREQFUNC_ABORT;
  }
  ++a->sends;
  return CURL_PREREQFUNC_OK;
}

// Transport errors worth another attempt: the network or the server hiccupped.
bool is_retryable_curl(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
      return true;
    default:
      return false;
  }
}

std::string attempts_text(int n) { return n == 1 ? "after 1 attempt" : fmt::format("after {} attempts", n); }

// What one finished transfer looked like, for classify_attempt.
AttemptFacts facts_of(Attempt& a, CURLcode rc, long status, std::size_t max_response_bytes) {
  AttemptFacts f;
  f.status = status;
  f.too_large = a.too_large;
  f.closed_without_reply = a.limit_hit;
  f.max_response_bytes = max_response_bytes;
  f.retry_after = a.retry_after;
  f.retry_after_ms = a.retry_after_ms;
  f.should_retry = a.should_retry;
  f.body = a.body;
  if (rc != CURLE_OK) {
    f.transfer_error = a.errbuf[0] ? std::string(a.errbuf) : std::string(curl_easy_strerror(rc));
    f.transfer_retryable = is_retryable_curl(rc);
    f.transfer = rc == CURLE_OPERATION_TIMEDOUT ? AttemptFacts::Transfer::Timeout
                 : rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY
                     ? AttemptFacts::Transfer::CannotConnect
                     : AttemptFacts::Transfer::Failed;
  }
  return f;
}

}  // namespace

std::optional<double> parse_retry_after(std::string_view value, std::time_t now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  // delta-seconds (RFC 9110 says integer; some servers send fractions)
  bool numeric = true, dot = false;
  for (char c : value) {
    if (c == '.' && !dot)
      dot = true;
    else if (c < '0' || c > '9')
      numeric = false;
  }
  if (numeric) {
    try {
      double s = std::stod(std::string(value));
      if (std::isfinite(s) && s >= 0) return s;
    } catch (...) {
    }
    return std::nullopt;
  }
  // HTTP date. curl_getdate reads all three RFC 9110 forms; it returns -1 when it cannot.
  std::string s(value);
  std::time_t t = curl_getdate(s.c_str(), nullptr);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::max(0.0, std::difftime(t, now));
}

struct Transport::Rng {
  std::mutex mutex;
  std::mt19937_64 engine;
};

Transport::Transport(TransportOptions options) : options_(std::move(options)), rng_(std::make_unique<Rng>()) {
  if (options_.concurrency < 1)
    throw Error(fmt::format("concurrency must be at least 1, got {}", options_.concurrency));
  if (options_.retry.max_attempts < 1)
    throw Error(fmt::format("max_attempts must be at least 1, got {}", options_.retry.max_attempts));
  if (!(options_.timeout_s > 0) || !(options_.connect_timeout_s > 0)) throw Error("timeouts must be positive");
  if (!(options_.retry.initial_backoff_s >= 0) || !(options_.retry.max_backoff_s >= 0) ||
      !(options_.retry.max_retry_after_s >= 0))
    throw Error("backoff times must not be negative");
  rng_->engine.seed(options_.jitter_seed ? *options_.jitter_seed : std::random_device{}());
  global_init();
}

Transport::~Transport() = default;

double Transport::next_uniform() {
  std::lock_guard lock(rng_->mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_->engine);
}

std::vector<HttpOutcome> Transport::post(std::span<const HttpRequest> requests, const BodyCheck& check,
                                         const OutcomeCallback& done) {
  const std::size_t n = requests.size();
  std::vector<HttpOutcome> out(n);
  if (n == 0) return out;

  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), &curl_multi_cleanup);
  if (!multi) throw Error("libcurl: cannot create a multi handle");

  std::vector<int> attempts(n, 0);
  std::deque<std::size_t> fresh, retry_due;  // retries that are due go first: they are older
  for (std::size_t i = 0; i < n; ++i) fresh.push_back(i);
  std::multimap<Clock::time_point, std::size_t> waiting;  // retries not yet due
  std::unordered_map<CURL*, std::unique_ptr<Attempt>> active;
  std::size_t finished = 0;
  std::string fail_fast;  // set when no server answers at all: the call ends with this error

  auto notify = [&](const AttemptEvent& e) {
    if (options_.on_attempt) options_.on_attempt(e);
  };
  auto finish_failed = [&](std::size_t i, long status, std::string body, const std::string& why) {
    out[i].ok = false;
    out[i].status = status;
    out[i].body = std::move(body);
    out[i].attempts = attempts[i];
    out[i].error = why + " " + attempts_text(attempts[i]);
    ++finished;
    if (done) done(i, out[i]);
  };

  auto start = [&](std::size_t i) {
    const HttpRequest& req = requests[i];
    auto a = std::make_unique<Attempt>();
    a->index = i;
    a->limit = options_.max_response_bytes;
    a->prior = attempts[i];
    a->max_attempts = options_.retry.max_attempts;
    a->easy = curl_easy_init();
    if (!a->easy) {
      ++attempts[i];
      finish_failed(i, 0, {}, "libcurl: cannot create a transfer handle");
      return;
    }
    a->headers = curl_slist_append(a->headers, "Content-Type: application/json");
    a->headers = curl_slist_append(a->headers, "Accept: application/json");
    a->headers = curl_slist_append(a->headers, "Expect:");  // no 100-continue round trip
    for (const auto& h : req.headers) a->headers = curl_slist_append(a->headers, h.c_str());
    CURL* e = a->easy;
    curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, a->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, a.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, a->errbuf);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, a.get());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::ceil(options_.connect_timeout_s * 1000)));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(options_.timeout_s * 1000)));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sceval");
    if (curl_multi_add_handle(multi.get(), e) != CURLM_OK) {
      ++attempts[i];
      finish_failed(i, 0, {}, "libcurl: cannot start a transfer");
      return;
    }
    active.emplace(e, std::move(a));
  };

  auto complete = [&](CURL* easy, CURLcode rc) {
    auto it = active.find(easy);
    if (it == active.end()) return;
    std::unique_ptr<Attempt> a = std::move(it->second);
    active.erase(it);
    curl_multi_remove_handle(multi.get(), easy);
    const std::size_t i = a->index;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    attempts[i] = a->prior + std::max(1, a->sends);  // a failed connect sent nothing but is an attempt

    AttemptFacts f = facts_of(*a, rc, status, options_.max_response_bytes);
    if (f.transfer != AttemptFacts::Transfer::CannotConnect) connected_ = true;
    if (f.transfer == AttemptFacts::Transfer::Ok && status >= 200 && status < 300 && check) {
      try {
        f.body_problem = check(i, a->body);
      } catch (const std::exception& e) {
        f.body_problem = *e.what() ? e.what() : "unreadable body";
      }
    }
    const AttemptVerdict verdict = classify_attempt(f, std::time(nullptr));
    AttemptEvent ev;
    ev.index = i;
    ev.attempt = attempts[i];
    ev.status = status;
    ev.retry_after_s = verdict.retry_after_s;
    if (verdict.ok) {
      out[i].ok = true;
      out[i].status = status;
      out[i].body = std::move(a->body);
      out[i].attempts = attempts[i];
      ++finished;
      ev.ok = true;
      notify(ev);
      if (done) done(i, out[i]);
      return;
    }
    const bool retryable = verdict.retryable;
    const std::string& why = verdict.why;
    ev.reason = why;
    // Nothing has ever answered at this URL and a request has failed to connect twice: no server
    // is running there. Say so now instead of retrying every request for an hour.
    if (f.transfer == AttemptFacts::Transfer::CannotConnect && !connected_ && attempts[i] >= 2 && fail_fast.empty())
      fail_fast = fmt::format(
          "cannot connect to {} ({}): is the server running? Start it (for example "
          "`llama-server -m MODEL.gguf --port PORT`) or correct the base URL in the model spec",
          without_url_credentials(requests[i].url), f.transfer_error);
    if (!fail_fast.empty()) {
      notify(ev);  // will_retry false: the call ends
      return;
    }
    if (retryable && attempts[i] < options_.retry.max_attempts) {
      ev.will_retry = true;
      ev.delay_s = backoff_delay(attempts[i], options_.retry, ev.retry_after_s, next_uniform());
      waiting.emplace(
          Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(ev.delay_s)), i);
      notify(ev);
      return;
    }
    notify(ev);
    finish_failed(i, status, std::move(a->body), why);
  };

  const std::size_t limit = static_cast<std::size_t>(options_.concurrency);
  while (finished < n && fail_fast.empty()) {
    const auto now = Clock::now();
    while (!waiting.empty() && waiting.begin()->first <= now) {
      retry_due.push_back(waiting.begin()->second);
      waiting.erase(waiting.begin());
    }
    while (active.size() < limit && (!retry_due.empty() || !fresh.empty())) {
      std::deque<std::size_t>& q = retry_due.empty() ? fresh : retry_due;
      std::size_t i = q.front();
      q.pop_front();
      start(i);
    }
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi.get(), &left)) {
      if (m->msg == CURLMSG_DONE) complete(m->easy_handle, m->data.result);
    }
    if (finished >= n || !fail_fast.empty()) break;
    int timeout_ms = 1000;
    if (!waiting.empty()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(waiting.begin()->first - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(wait, 0, 1000));
    }
    if (timeout_ms > 0 && active.empty() && retry_due.empty() && fresh.empty()) {
      // nothing in flight: just wait for the next retry to come due
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    } else if (timeout_ms > 0 && !active.empty()) {
      curl_multi_poll(multi.get(), nullptr, 0, timeout_ms, nullptr);
    }
  }
  // Every handle has completed; `active` is empty here unless a request was finished early.
  for (auto& [easy, a] : active) curl_multi_remove_handle(multi.get(), easy);
  active.clear();
  if (!fail_fast.empty()) throw Error(fail_fast);
  return out;
}

}  // namespace sceval::llm::http
