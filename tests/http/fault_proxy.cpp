#include "http/fault_proxy.h"

#include <nlohmann/json.hpp>

#include "http/llama_server.h"

namespace sceval::testing {

std::string to_string(Fault::Kind k) {
  switch (k) {
    case Fault::Kind::Forward:
      return "forward";
    case Fault::Kind::Status:
      return "status";
    case Fault::Kind::Drop:
      return "drop";
    case Fault::Kind::Hang:
      return "hang";
    case Fault::Kind::TruncatedJson:
      return "truncated_json";
    case Fault::Kind::CutConnection:
      return "cut_connection";
  }
  return "?";
}

namespace {

std::string last_message_content(const ServerRequest& req) {
  try {
    auto j = nlohmann::json::parse(req.body);
    return j.at("messages").back().at("content").get<std::string>();
  } catch (...) {
    return req.body;
  }
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port, Schedule schedule, KeyOf key_of)
    : upstream_port_(upstream_port),
      schedule_(std::move(schedule)),
      key_of_(key_of ? std::move(key_of) : last_message_content) {
  server_ = std::make_unique<TestServer>([this](const ServerRequest& r) { return handle(r); });
}

std::vector<ProxyEvent> FaultProxy::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<ProxyEvent> FaultProxy::events(const std::string& key) const {
  std::lock_guard lock(mutex_);
  std::vector<ProxyEvent> out;
  for (const auto& e : events_)
    if (e.key == key) out.push_back(e);
  return out;
}

std::vector<std::string> FaultProxy::upstream_bodies(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = upstream_bodies_.find(key);
  return it == upstream_bodies_.end() ? std::vector<std::string>{} : it->second;
}

ServerReply FaultProxy::handle(const ServerRequest& req) {
  const std::string key = key_of_(req);
  ProxyEvent ev;
  ev.key = key;
  ev.received = req.received;
  {
    std::lock_guard lock(mutex_);
    ev.attempt = ++attempts_[key];
  }
  const Fault f = schedule_(key, ev.attempt);
  ev.fault = f.kind;
  ServerReply reply;
  switch (f.kind) {
    case Fault::Kind::Status:
      reply = ServerReply::json(f.status, f.body, f.headers);
      break;
    case Fault::Kind::Drop:
      reply = ServerReply::drop();
      break;
    case Fault::Kind::Hang:
      reply = ServerReply::hang(f.hang_seconds);
      break;
    case Fault::Kind::Forward:
    case Fault::Kind::TruncatedJson:
    case Fault::Kind::CutConnection: {
      auto up = simple_http(upstream_port_, req.method, req.target, req.body);
      if (!up) {
        reply = ServerReply::json(502, "{\"error\":{\"message\":\"fault proxy: upstream unreachable\"}}");
        break;
      }
      ev.upstream_status = up->status;
      {
        std::lock_guard lock(mutex_);
        upstream_bodies_[key].push_back(up->body);
      }
      reply = ServerReply::json(up->status, up->body);
      if (f.kind == Fault::Kind::TruncatedJson) reply.body.resize(reply.body.size() / 2);
      if (f.kind == Fault::Kind::CutConnection) reply = ServerReply::cut(reply, reply.body.size() / 2);
      break;
    }
  }
  std::lock_guard lock(mutex_);
  events_.push_back(ev);
  return reply;
}

}  // namespace sceval::testing
