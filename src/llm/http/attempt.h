#pragma once
// How one finished HTTP attempt is judged (success, retry, or give up), as a pure function of what
// happened, with no libcurl types: Transport::post gathers the facts, classify_attempt decides.
// The rules are the ones of transport.h's header comment.
#include <cstddef>
#include <ctime>
#include <optional>
#include <string>

namespace sceval::llm::http {

struct AttemptFacts {
  enum class Transfer {
    Ok,             // a whole response arrived (any status)
    Timeout,        // the attempt's time ran out
    CannotConnect,  // refused, host unknown: nothing listens at the URL
    Failed,         // anything else libcurl reports (reset, TLS, cut short...)
  };
  Transfer transfer = Transfer::Ok;
  bool transfer_retryable = false;    // libcurl's code says another try may help
  std::string transfer_error;         // libcurl's message, when transfer != Ok
  bool too_large = false;             // the body passed max_response_bytes (never retried)
  bool closed_without_reply = false;  // a reused connection closed before any byte of the reply
  long status = 0;                    // HTTP status; 0 when none arrived
  std::string body;
  // For a 2xx: the caller's verdict on the body ("" = usable); nullopt when no check ran.
  std::optional<std::string> body_problem;
  std::string retry_after, retry_after_ms, should_retry;  // response headers (should_retry lower-case)
  std::size_t max_response_bytes = 0;
};

struct AttemptVerdict {
  bool ok = false;                      // the request is done, successfully
  bool retryable = false;               // worth another attempt (when attempts remain)
  std::string why;                      // when !ok: what went wrong, for the user
  std::optional<double> retry_after_s;  // the server's Retry-After (or retry-after-ms), in seconds
};

// `now` is the wall clock for HTTP-date Retry-After values.
AttemptVerdict classify_attempt(const AttemptFacts& f, std::time_t now);

}  // namespace sceval::llm::http
