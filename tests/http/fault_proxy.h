#pragma once
// A fault-injecting HTTP proxy in front of a real server (llama-server): for each logical request
// (identified by a key taken from its body, by default the last message's content) and each attempt
// at it, a deterministic schedule says what to do: forward it, or answer with a status (429 with
// Retry-After, 500, 503, ...), drop the connection, hang past the client's timeout, forward but
// deliver truncated JSON, or forward but cut the connection mid-body. The schedule depends only on
// (key, attempt), so it does not matter in which order concurrent requests arrive. Every attempt is
// recorded.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "http/test_server.h"

namespace sceval::testing {

struct Fault {
  enum class Kind { Forward, Status, Drop, Hang, TruncatedJson, CutConnection };
  Kind kind = Kind::Forward;
  int status = 0;  // Status
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  double hang_seconds = 0;  // Hang

  static Fault forward() { return {}; }
  static Fault respond(int status, std::string body = "{\"error\":{\"message\":\"injected\"}}",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    Fault f;
    f.kind = Kind::Status;
    f.status = status;
    f.body = std::move(body);
    f.headers = std::move(headers);
    return f;
  }
  static Fault drop() { return with(Kind::Drop); }
  static Fault hang(double seconds) {
    Fault f = with(Kind::Hang);
    f.hang_seconds = seconds;
    return f;
  }
  static Fault truncated_json() { return with(Kind::TruncatedJson); }  // 200, half the body, matching length
  static Fault cut_connection() { return with(Kind::CutConnection); }  // 200, full length announced, half sent

 private:
  static Fault with(Kind k) {
    Fault f;
    f.kind = k;
    return f;
  }
};

std::string to_string(Fault::Kind k);

struct ProxyEvent {
  std::string key;
  int attempt = 0;  // 1-based, per key
  Fault::Kind fault = Fault::Kind::Forward;
  int upstream_status = 0;  // when the request was forwarded
  std::chrono::steady_clock::time_point received;
};

class FaultProxy {
 public:
  using Schedule = std::function<Fault(const std::string& key, int attempt)>;
  using KeyOf = std::function<std::string(const ServerRequest&)>;

  FaultProxy(int upstream_port, Schedule schedule, KeyOf key_of = {});
  std::string url() const { return server_->url(); }
  std::vector<ProxyEvent> events() const;
  std::vector<ProxyEvent> events(const std::string& key) const;
  // Bodies the upstream server returned for `key` (one per forwarded attempt).
  std::vector<std::string> upstream_bodies(const std::string& key) const;
  int max_concurrent_requests() const { return server_->max_concurrent_requests(); }

 private:
  ServerReply handle(const ServerRequest& req);

  int upstream_port_;
  Schedule schedule_;
  KeyOf key_of_;
  mutable std::mutex mutex_;
  std::map<std::string, int> attempts_;
  std::vector<ProxyEvent> events_;
  std::map<std::string, std::vector<std::string>> upstream_bodies_;
  std::unique_ptr<TestServer> server_;  // last: its threads stop before the members above go
};

}  // namespace sceval::testing
