#include "llm/http/attempt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "llm/http/transport.h"

namespace sceval::llm::http {

bool is_retryable_status(long status) {
  return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
}

double backoff_delay(int failures, const RetryPolicy& policy, std::optional<double> retry_after, double uniform01) {
  const int exponent = std::clamp(failures - 1, 0, 62);
  const double cap = std::min(policy.max_backoff_s, policy.initial_backoff_s * std::ldexp(1.0, exponent));
  double delay = std::max(0.0, cap) * std::clamp(uniform01, 0.0, 1.0);
  if (retry_after) delay = std::max(delay, std::min(*retry_after, policy.max_retry_after_s));
  return delay;
}

std::string excerpt(std::string_view body, std::size_t max_bytes) {
  bool cut = body.size() > max_bytes;
  std::size_t n = std::min(body.size(), max_bytes);
  if (cut) {  // do not split a UTF-8 sequence: back up to the start of the character at the cut
    while (n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
  }
  std::string out;
  out.reserve(n + 3);
  bool space = false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = body[i];
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {  // runs of white space and controls: one space
      if (!space && !out.empty()) out += ' ';
      space = true;
      continue;
    }
    space = false;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (cut) out += "...";
  return out;
}

namespace {

AttemptVerdict transfer_failure(const AttemptFacts& f) {
  AttemptVerdict v;
  if (f.too_large)
    v.why = fmt::format("response larger than {} bytes", f.max_response_bytes);
  else if (f.closed_without_reply)
    v.why = "connection error: the server closed the connection without a reply";
  else if (f.transfer == AttemptFacts::Transfer::Timeout)
    v.why = "timeout: " + f.transfer_error;
  else if (f.status > 0)
    v.why = fmt::format("HTTP {} response cut short: {}", f.status, f.transfer_error);
  else
    v.why = "connection error: " + f.transfer_error;
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
  if (f.should_retry == "true")
    v.retryable = true;
  else if (f.should_retry == "false")
    v.retryable = false;
  return v;
}

}  // namespace sceval::llm::http
