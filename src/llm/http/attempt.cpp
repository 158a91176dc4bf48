#include "llm/http/attempt.h"

#include <fmt/format.h>

#include "llm/http/transport.h"

namespace sceval::llm::http {

namespace {

AttemptVerdict transfer_failure(const AttemptFacts& f) {
  AttemptVerdict v;
  if (f.too_large) v.why = fmt::format("response larger than {} bytes", f.max_response_bytes);
  else if (f.closed_without_reply) v.why = "connection error: the server closed the connection without a reply";
  else if (f.transfer == AttemptFacts::Transfer::Timeout) v.why = "timeout: " + f.transfer_error;
  else if (f.status > 0) v.why = fmt::format("HTTP {} response cut short: {}", f.status, f.transfer_error);
  else v.why = "connection error: " + f.transfer_error;
  v.retryable = !f.too_large && f.transfer_retryable;
  return v;
}

}  // namespace

AttemptVerdict classify_attempt(const AttemptFacts& f, std::time_t now) {
  AttemptVerdict v;
  if (f.transfer != AttemptFacts::Transfer::Ok || f.too_large) {
    v = transfer_failure(f);
  } else if (f.status >= 200 && f.status < 300) {
    const std::string problem = f.body_problem.value_or("");
    if (problem.empty()) {
      v.ok = true;
      return v;  // x-should-retry does not turn a usable answer into a failure
    }
    v.why = fmt::format("HTTP {} with an unusable body ({}): {}", f.status, problem, excerpt(f.body));
    v.retryable = true;
  } else {
    v.why = fmt::format("HTTP {}: {}", f.status, excerpt(f.body));
    v.retryable = is_retryable_status(f.status);
    if (!f.retry_after_ms.empty())
      if (auto ms = parse_retry_after(f.retry_after_ms, now)) v.retry_after_s = *ms / 1000.0;
    if (!v.retry_after_s && !f.retry_after.empty()) v.retry_after_s = parse_retry_after(f.retry_after, now);
  }
  if (f.should_retry == "true") v.retryable = true;
  else if (f.should_retry == "false") v.retryable = false;
  return v;
}

}  // namespace sceval::llm::http
