#include "http/batch_replay.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "http/provider_rules.h"

namespace sceval::testing {

using nlohmann::json;

namespace {

std::string last_user(const json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if ((*it)["role"] == "user") return (*it)["content"].get<std::string>();
  return {};
}

// multipart/form-data (RFC 7578): part name -> content; a file part also gives "<name>.filename".
std::map<std::string, std::string> parse_multipart(const ServerRequest& r) {
  std::map<std::string, std::string> parts;
  auto ct = r.headers.count("content-type") ? r.headers.at("content-type") : std::string();
  auto b = ct.find("boundary=");
  if (!ct.starts_with("multipart/form-data") || b == std::string::npos) return parts;
  const std::string delim = "--" + ct.substr(b + 9);
  const std::string& body = r.body;
  for (std::size_t p = body.find(delim); p != std::string::npos;) {
    p += delim.size();
    if (body.compare(p, 2, "--") == 0) break;
    p += 2;  // \r\n
    const std::size_t head_end = body.find("\r\n\r\n", p);
    const std::size_t next = body.find("\r\n" + delim, head_end);
    if (head_end == std::string::npos || next == std::string::npos) return {};
    const std::string head = body.substr(p, head_end - p);
    const std::string content = body.substr(head_end + 4, next - head_end - 4);
    auto field = [&](const std::string& key) {
      auto k = head.find(key + "=\"");
      if (k == std::string::npos) return std::string();
      k += key.size() + 2;
      return head.substr(k, head.find('"', k) - k);
    };
    parts[field("name")] = content;
    if (auto f = field("filename"); !f.empty()) parts[field("name") + ".filename"] = f;
    p = next + 2;
  }
  return parts;
}

ServerReply error(int status, const std::string& message) {
  return ServerReply::json(status, json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump());
}

}  // namespace

json openai_completion(const json& body) {
  const std::string text = "answer to: " + last_user(body["messages"]);
  return {
      {"id", "chatcmpl-replay"},
      {"object", "chat.completion"},
      {"model", body["model"]},
      {"choices",
       json::array(
           {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", "stop"}}})},
      {"usage", {{"prompt_tokens", static_cast<int>(last_user(body["messages"]).size())}, {"completion_tokens", 4}}}};
}

json anthropic_message(const json& params) {
  const std::string text = "answer to: " + last_user(params["messages"]);
  return {{"id", "msg_replay"},
          {"type", "message"},
          {"role", "assistant"},
          {"model", params["model"]},
          {"content", json::array({{{"type", "text"}, {"text", text}}})},
          {"stop_reason", "end_turn"},
          {"stop_sequence", nullptr},
          {"usage", {{"input_tokens", static_cast<int>(last_user(params["messages"]).size())}, {"output_tokens", 4}}}};
}

int BatchReplay::outcome(const std::string& m) {
  const int seen = ++seen_[m];
  if (m.find("invalid") != std::string::npos) return 400;
  if (m.find("always fails") != std::string::npos) return 500;
  if (m.find("flaky") != std::string::npos && seen == 1) return 500;
  return 0;
}

ServerReply BatchReplay::operator()(const ServerRequest& r) {
  {
    std::lock_guard lock(mutex);
    if (auto a = r.headers.find("authorization"); a != r.headers.end() && a->second.starts_with("Bearer "))
      key_seen_ = a->second.substr(7);
    if (auto k = r.headers.find("x-api-key"); k != r.headers.end()) key_seen_ = k->second;
  }
  if (r.target.starts_with("/v1/messages")) return anthropic(r);
  return openai(r);
}

std::string BatchReplay::echoed(const std::string& text) const {
  return (echo_key ? text + " (you sent " + key_seen_ + ")" : text) + std::string(pad_answers.load(), 'x');
}

bool BatchReplay::download_fails() {
  ++downloads;
  if (fail_downloads.load() <= 0) return false;
  --fail_downloads;
  return true;
}

ServerReply BatchReplay::openai(const ServerRequest& r) {
  std::lock_guard lock(mutex);
  if (r.method == "POST" && r.target == "/v1/chat/completions") {
    ++direct_calls;
    const json body = json::parse(r.body);
    if (auto refused = openai_refusal(body)) return error(400, *refused);
    return ServerReply::json(200, openai_completion(body).dump());
  }
  if (r.method == "POST" && r.target == "/v1/files") {
    upload_parts = parse_multipart(r);
    if (upload_parts["purpose"] != "batch" || !upload_parts.count("file"))
      return error(400, "purpose batch and a file");
    const std::string id = fmt::format("file-in{}", next_id_++);
    files[id] = upload_parts["file"];
    ++files_uploaded;
    return ServerReply::json(200, json{{"id", id},
                                       {"object", "file"},
                                       {"bytes", files[id].size()},
                                       {"created_at", 1714508499},
                                       {"filename", upload_parts["file.filename"]},
                                       {"purpose", "batch"}}
                                      .dump());
  }
  if (r.method == "POST" && r.target == "/v1/batches") {
    const json create = json::parse(r.body);
    const std::string file = create.value("input_file_id", "");
    if (!files.count(file) || create.value("endpoint", "") != "/v1/chat/completions" ||
        create.value("completion_window", "") != "24h")
      return error(400, "bad batch");
    Batch b{"openai", "validating", {}, 0, expire_next.exchange(false), "", "", std::exchange(fail_next, {}), create};
    const std::string& text = files[file];
    for (std::size_t s = 0, e; s < text.size(); s = e + 1) {
      e = text.find('\n', s);
      if (e == std::string::npos) e = text.size();
      if (e > s) b.lines.push_back(json::parse(text.substr(s, e - s)));
    }
    const std::string id = fmt::format("batch_{}", next_id_++);
    batches[id] = b;
    batch_order.push_back(id);
    ++batches_created;
    return ServerReply::json(
        200, json{{"id", id}, {"object", "batch"}, {"status", "validating"}, {"input_file_id", file}}.dump());
  }
  if (r.method == "GET" && r.target.starts_with("/v1/batches/")) return poll_openai(r.target.substr(12));
  if (r.method == "GET" && r.target.starts_with("/v1/files/") && r.target.ends_with("/content")) {
    const std::string id = r.target.substr(10, r.target.size() - 10 - 8);
    if (!files.count(id)) return error(404, "no file " + id);
    if (download_fails()) return error(500, "scripted download failure");
    return ServerReply{
        ServerReply::Kind::Respond, 200, {{"Content-Type", "application/octet-stream"}}, files[id], 0, 0};
  }
  return error(404, "not found: " + r.method + " " + r.target);
}

// GET /v1/batches/{id}: one step through the documented states per poll (mutex held).
ServerReply BatchReplay::poll_openai(const std::string& id) {
  if (!batches.count(id)) return error(404, "no batch " + id);
  Batch& b = batches[id];
  ++polls;
  ++b.polls;
  static const char* kSteps[] = {"validating", "in_progress", "finalizing", "completed"};
  if (!b.fail_code.empty()) {
    b.status = "failed";  // refused at validation: no request runs, no output file
  } else if (b.status != "completed" && b.status != "expired") {
    const int step = hold ? std::min(b.polls, 1) : std::min(b.polls, 3);
    b.status = kSteps[step];
    if (b.status == "completed") finish_openai(id, b);
  }
  int failed = 0;
  if (!b.error_file.empty())
    failed = static_cast<int>(std::count(files[b.error_file].begin(), files[b.error_file].end(), '\n'));
  json o{{"id", id},
         {"object", "batch"},
         {"endpoint", "/v1/chat/completions"},
         {"status", b.status},
         {"completion_window", "24h"},
         {"output_file_id", b.output_file.empty() ? json() : json(b.output_file)},
         {"error_file_id", b.error_file.empty() ? json() : json(b.error_file)},
         {"request_counts",
          {{"total", b.lines.size()},
           {"completed", b.output_file.empty() ? 0 : b.lines.size() - failed},
           {"failed", failed}}}};
  if (b.status == "failed") {  // as documented: errors.data entries with code, message, param, line
    const bool line_error = b.fail_code != "token_limit_exceeded";
    o["errors"] = {{"object", "list"},
                   {"data", json::array({{{"code", b.fail_code},
                                          {"message", line_error ? "This line is not parseable as valid JSON."
                                                                 : "Enqueued token limit reached for test-model."},
                                          {"param", nullptr},
                                          {"line", line_error ? json(2) : json()}}})}};
    o["failed_at"] = 1714508500;
  }
  return ServerReply::json(200, o.dump());
}

void BatchReplay::finish_openai(const std::string& id, Batch& b) {
  std::string out, err;
  const std::size_t answered = b.expire ? b.lines.size() / 2 : b.lines.size();
  for (std::size_t k = b.lines.size(); k-- > 0;) {  // reverse order: matched by custom_id, not position
    const json& l = b.lines[k];
    const std::string cid = l["custom_id"];
    if (k >= answered) {
      err += json{{"id", "batch_req_x"},
                  {"custom_id", cid},
                  {"response", nullptr},
                  {"error",
                   {{"code", "batch_expired"},
                    {"message", "This request could not be executed before the completion window expired."}}}}
                 .dump() +
             "\n";
      continue;
    }
    const auto refused = openai_refusal(l["body"]);
    const int status = refused ? 400 : outcome(last_user(l["body"]["messages"]));
    if (status == 0) {
      json body = openai_completion(l["body"]);
      if (rule) body["choices"][0]["message"]["content"] = rule(l["body"]["messages"]);
      body["choices"][0]["message"]["content"] = echoed(body["choices"][0]["message"]["content"]);
      out += json{{"id", "batch_req_x"},
                  {"custom_id", cid},
                  {"response", {{"status_code", 200}, {"request_id", "req_x"}, {"body", body}}},
                  {"error", nullptr}}
                 .dump() +
             "\n";
    } else {
      err += json{{"id", "batch_req_x"},
                  {"custom_id", cid},
                  {"response",
                   {{"status_code", status},
                    {"request_id", "req_x"},
                    {"body",
                     {{"error",
                       {{"message", refused ? *refused : "scripted failure"},
                        {"type", status == 400 ? "invalid_request_error" : "server_error"}}}}}}},
                  {"error", nullptr}}
                 .dump() +
             "\n";
    }
  }
  b.status = b.expire ? "expired" : "completed";
  if (!out.empty()) files[b.output_file = "file-out-" + id] = out;
  if (!err.empty()) files[b.error_file = "file-err-" + id] = err;
}

ServerReply BatchReplay::anthropic(const ServerRequest& r) {
  std::lock_guard lock(mutex);
  auto anthropic_error = [](int status, const std::string& type, const std::string& message) {
    return ServerReply::json(status, json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump());
  };
  if (!r.headers.count("anthropic-version")) return anthropic_error(400, "invalid_request_error", "anthropic-version");
  if (r.method == "POST" && r.target == "/v1/messages") {
    ++direct_calls;
    const json params = json::parse(r.body);
    if (auto refused = anthropic_refusal(params)) return anthropic_error(400, "invalid_request_error", *refused);
    return ServerReply::json(200, anthropic_message(params).dump());
  }
  auto batch_object = [&](const std::string& id, const Batch& b) {
    json counts{{"processing", b.status == "ended" ? 0 : b.lines.size()},
                {"succeeded", 0},
                {"errored", 0},
                {"canceled", 0},
                {"expired", 0}};
    return json{{"id", id},
                {"type", "message_batch"},
                {"processing_status", b.status},
                {"request_counts", counts},
                {"results_url", b.status == "ended" ? json(base + "/v1/messages/batches/" + id + "/results") : json()}};
  };
  if (r.method == "POST" && r.target == "/v1/messages/batches") {
    const json body = json::parse(r.body);
    Batch b{"anthropic", "in_progress", {}, 0, expire_next.exchange(false), "", "", "", body};
    for (const auto& q : body["requests"]) b.lines.push_back(q);
    const std::string id = fmt::format("msgbatch_{:04}", next_id_++);
    batches[id] = b;
    batch_order.push_back(id);
    ++batches_created;
    return ServerReply::json(200, batch_object(id, batches[id]).dump());
  }
  const std::string prefix = "/v1/messages/batches/";
  if (r.method == "GET" && r.target.starts_with(prefix)) {
    std::string id = r.target.substr(prefix.size());
    const bool results = id.ends_with("/results");
    if (results) id.resize(id.size() - 8);
    if (!batches.count(id)) return anthropic_error(404, "not_found_error", "no batch " + id);
    Batch& b = batches[id];
    if (!results) {
      ++polls;
      if (++b.polls >= 2 && !hold) b.status = "ended";
      return ServerReply::json(200, batch_object(id, b).dump());
    }
    if (b.status != "ended") return anthropic_error(400, "invalid_request_error", "not ended");
    if (download_fails()) return anthropic_error(500, "api_error", "scripted download failure");
    if (b.output_file.empty()) {  // computed once, when first read
      std::string out;
      const std::size_t answered = b.expire ? b.lines.size() / 2 : b.lines.size();
      for (std::size_t k = b.lines.size(); k-- > 0;) {
        const json& q = b.lines[k];
        json result;
        if (k >= answered) {
          result = {{"type", k % 2 ? "expired" : "canceled"}};
        } else if (auto refused = anthropic_refusal(q["params"])) {
          result = {
              {"type", "errored"},
              {"error", {{"type", "error"}, {"error", {{"type", "invalid_request_error"}, {"message", *refused}}}}}};
        } else if (const int status = outcome(last_user(q["params"]["messages"])); status == 0) {
          json message = anthropic_message(q["params"]);
          if (rule) message["content"][0]["text"] = rule(q["params"]["messages"]);
          message["content"][0]["text"] = echoed(message["content"][0]["text"]);
          result = {{"type", "succeeded"}, {"message", message}};
        } else {
          const std::string type = status == 400 ? "invalid_request_error" : "api_error";
          result = {{"type", "errored"},
                    {"error", {{"type", "error"}, {"error", {{"type", type}, {"message", "scripted failure"}}}}}};
        }
        out += json{{"custom_id", q["custom_id"]}, {"result", result}}.dump() + "\n";
      }
      b.output_file = out;
    }
    return ServerReply{ServerReply::Kind::Respond, 200, {{"Content-Type", "application/binary"}}, b.output_file, 0, 0};
  }
  return anthropic_error(404, "not_found_error", "not found: " + r.target);
}

}  // namespace sceval::testing
