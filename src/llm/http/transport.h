#pragma once
// The HTTP machinery shared by the OpenAI-compatible and Anthropic backends: POSTs a batch of JSON
// requests with libcurl's multi interface (one thread, `concurrency` transfers in flight, connections
// reused), and retries what is worth retrying with exponential backoff and full jitter, honouring the
// server's Retry-After. Every request ends as exactly one HttpOutcome, in input order: nothing is
// thrown for one bad request, nothing is dropped, nothing is returned twice.
//
// Retried: connection failures (refused, reset, DNS, TLS handshake), timeouts, responses cut short,
// HTTP 408, 409, 429 and 5xx (so Anthropic's 529 "overloaded"), and a 2xx whose body the caller
// rejects (truncated or malformed JSON). A response header `x-should-retry: true|false` (sent by
// OpenAI and Anthropic) overrides the status rule. Everything else (400, 401, 403, 404, 422, ...)
// fails at once.
#include <atomic>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sceval::llm::http {

struct RetryPolicy {
  // Attempts per request, the first included (the paper: 8). Every time the request goes on the
  // wire counts, including libcurl's own re-send when a reused keep-alive connection turns out to
  // be closed before any byte of the reply; a failed connect counts too.
  int max_attempts = 8;
  double initial_backoff_s = 1.0;  // the n-th retry waits U(0, min(max_backoff, initial * 2^(n-1)))
  double max_backoff_s = 64.0;
  double max_retry_after_s = 300.0;  // a longer Retry-After is cut to this
};

// What happened at the end of one attempt (for progress output and tests).
struct AttemptEvent {
  std::size_t index = 0;  // request position in the batch
  int attempt = 1;        // attempts made for this request so far (see max_attempts)
  long status = 0;        // HTTP status; 0 when no response arrived
  bool ok = false;        // the request is done with this attempt, successfully
  bool will_retry = false;
  double delay_s = 0;                   // wait before the next attempt (when will_retry)
  std::optional<double> retry_after_s;  // what the server asked for, if anything
  std::string reason;                   // why the attempt failed (empty when ok)
};

struct TransportOptions {
  int concurrency = 8;              // requests in flight (the paper: max_concurrent 8)
  double connect_timeout_s = 10.0;  // per attempt
  double timeout_s = 600.0;         // per attempt, whole transfer
  RetryPolicy retry;
  std::optional<std::uint64_t> jitter_seed;             // fixed seed for the backoff jitter (tests); else random
  std::size_t max_response_bytes = 64u << 20;           // a larger body fails the request (not retried)
  std::function<void(const AttemptEvent&)> on_attempt;  // called on the calling thread
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; Content-Type: application/json is always sent
  std::string body;                  // JSON
};

struct HttpOutcome {
  bool ok = false;
  long status = 0;   // of the last attempt; 0 = no HTTP response
  std::string body;  // of the last attempt
  int attempts = 0;
  std::string error;  // when !ok: "<what happened> after N attempts"
};

// Called for each 2xx body; returns "" to accept it, or why it cannot be used (the attempt then
// counts as failed and is retried). It may keep what it parsed: it is called once per accepted body.
using BodyCheck = std::function<std::string(std::size_t index, const std::string& body)>;
// Called once per request when its outcome is final (success or failure), on the calling thread.
using OutcomeCallback = std::function<void(std::size_t index, const HttpOutcome& outcome)>;

class Transport {
 public:
  explicit Transport(TransportOptions options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // POSTs every request; returns one outcome per request, in order. Safe to call from several
  // threads at once (each call has its own connections). `done` sees each outcome as it is final.
  // Fails fast: while nothing has ever answered through this Transport, a request that cannot
  // connect twice (refused, unknown host) ends the call with sceval::Error naming the URL and
  // suggesting to start the server; a server that goes away later is retried as usual.
  std::vector<HttpOutcome> post(std::span<const HttpRequest> requests, const BodyCheck& check = {},
                                const OutcomeCallback& done = {});

  const TransportOptions& options() const { return options_; }

 private:
  double next_uniform();  // U[0, 1), thread-safe

  TransportOptions options_;
  std::atomic<bool> connected_{false};  // some attempt has ever reached a server
  struct Rng;
  std::unique_ptr<Rng> rng_;
};

// Retry-After: delta-seconds ("120", fractions accepted) or an HTTP date (RFC 9110: IMF-fixdate,
// RFC 850 or asctime), as seconds from `now` (>= 0). nullopt when it cannot be read.
std::optional<double> parse_retry_after(std::string_view value, std::time_t now);

// The wait before retry number `failures` (1 = after the first failed attempt): full jitter,
// U(0, min(max_backoff, initial * 2^(failures-1))); with a Retry-After it is at least that
// (capped at max_retry_after_s). `uniform01` is a draw from U[0, 1).
double backoff_delay(int failures, const RetryPolicy& policy, std::optional<double> retry_after, double uniform01);

bool is_retryable_status(long status);

// At most `max_bytes` of `body` on one line (runs of white space and control characters as one
// space, UTF-8 kept whole), followed by "..." when cut.
std::string excerpt(std::string_view body, std::size_t max_bytes = 300);

}  // namespace sceval::llm::http
