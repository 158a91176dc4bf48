// OpenAI's Batch API (https://platform.openai.com/docs/guides/batch, /docs/api-reference/batch):
// the lines go up as a JSONL file (POST /v1/files, multipart, purpose "batch"), POST /v1/batches
// starts the batch (endpoint /v1/chat/completions, completion_window 24h), GET /v1/batches/{id}
// reports validating -> in_progress -> finalizing -> completed (or failed, expired, cancelled), and
// the answers are in output_file_id, the failures in error_file_id (GET /v1/files/{id}/content),
// one line per request, matched by custom_id in any order; they are streamed to a temporary file
// and read line by line, whatever their size. A "failed" batch was refused at validation and lists
// why in errors.data (code, input line, message).
#include <fmt/format.h>

#include "common/error.h"
#include "llm/http/backend_common.h"
#include "llm/http/batch_http.h"
#include "llm/http/batch_provider.h"

namespace sceval::llm::http {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

class OpenAIBatches final : public BatchProvider {
 public:
  explicit OpenAIBatches(const OpenAIOptions& o) : direct_(o), key_(read_env(o.api_key_env)), http_(o.transport, key_) {
    if (direct_.base_urls().size() != 1)
      throw Error("openai batch mode (batch=1) takes one base URL, got " + std::to_string(direct_.base_urls().size()));
    base_ = direct_.base_urls().front();
  }

  std::string name() const override { return "openai"; }
  std::string identity() const override { return direct_.identity(); }
  std::size_t max_requests() const override { return 50000; }    // per batch
  std::size_t max_bytes() const override { return 200u << 20; }  // per input file (200 MB)
  ordered_json body(const GenerationRequest& r) const override { return openai_request_body(r, direct_.options()); }
  std::size_t line_bytes(const BatchLine& l) const override { return line(l).size() + 1; }

  std::string submit(const std::vector<BatchLine>& lines) override {
    std::string jsonl;
    for (const auto& l : lines) jsonl += line(l) + "\n";
    const json file = parse_reply(http_.post_file(base_ + "/files", auth(), {{"purpose", "batch"}}, "file",
                                                  "sceval-batch.jsonl", "application/jsonl", jsonl),
                                  "POST /files");
    const std::string file_id = string_field(file, "id", "POST /files");
    const ordered_json create = {{"input_file_id", file_id},
                                 {"endpoint", "/v1/chat/completions"},
                                 {"completion_window", "24h"},
                                 {"metadata", {{"created_by", "sceval"}}}};
    const json batch = parse_reply(http_.post_json(base_ + "/batches", auth(), create.dump()), "POST /batches");
    return string_field(batch, "id", "POST /batches");
  }

  BatchStatus poll(const std::string& id) override {
    BatchStatus s;
    s.object = parse_reply(http_.get(base_ + "/batches/" + id, auth()), "GET /batches/" + id);
    s.state = string_field(s.object, "status", "GET /batches/" + id);
    s.ended = s.state == "completed" || s.state == "failed" || s.state == "expired" || s.state == "cancelled";
    if (auto c = s.object.find("request_counts"); c != s.object.end() && c->is_object())
      s.counts = fmt::format("{} completed, {} failed of {}", c->value("completed", 0), c->value("failed", 0),
                             c->value("total", 0));
    if (s.state == "failed") describe_failure(s);
    return s;
  }

  void results(const std::string& id, const BatchStatus& s, const LineCallback& each) override {
    for (const char* field : {"output_file_id", "error_file_id"}) {
      auto f = s.object.find(field);
      if (f == s.object.end() || !f->is_string() || f->get<std::string>().empty()) continue;
      const std::string where = fmt::format("batch {} {}", id, field);
      // Streamed to disk: a full batch's output file is far beyond any reply size limit.
      const DownloadedFile file = http_.download(base_ + "/files/" + f->get<std::string>() + "/content", auth());
      for_each_jsonl_line(file.file(), http_.options().max_response_bytes, [&](std::size_t n, std::string_view l) {
        LineResult r;
        try {
          r = read_line(l, fmt::format("{} line {}", where, n));
        } catch (const Error& e) {  // no custom_id to match: the backend reports it, the rest is read on
          r = LineResult{};
          r.error = e.what();
        }
        each(without_secret(std::move(r), key_));
      });
    }
    // ids without a line (a failed or expired batch) count as failed
  }

 private:
  // A failed batch was refused as a whole, at validation: errors.data says why, each entry with a
  // code, a message and the input file line it concerns. Only an enqueued-token limit passes with
  // time; a malformed or mismatched input file would be refused again.
  static void describe_failure(BatchStatus& s) {
    std::vector<std::string> parts;
    bool only_transient = true;
    const json* data = nullptr;
    if (auto e = s.object.find("errors"); e != s.object.end() && e->is_object())
      if (auto d = e->find("data"); d != e->end() && d->is_array()) data = &*d;
    for (const auto& err : data ? *data : json::array()) {
      if (!err.is_object()) continue;
      const std::string code =
          err.contains("code") && err["code"].is_string() ? err["code"].get<std::string>() : "error";
      std::string part = code;
      if (auto l = err.find("line"); l != err.end() && l->is_number_integer())
        part += fmt::format(" (input line {})", l->get<long>());
      if (auto m = err.find("message"); m != err.end() && m->is_string()) part += ": " + m->get<std::string>();
      parts.push_back(excerpt(part, 300));
      only_transient = only_transient && code == "token_limit_exceeded";
    }
    if (parts.empty()) {
      s.failure = "batch failed (the provider gave no reason)";
      return;  // nothing says it would fail again
    }
    s.failure = "batch failed: " + parts.front();
    for (std::size_t i = 1; i < parts.size() && i < 5; ++i) s.failure += "; " + parts[i];
    if (parts.size() > 5) s.failure += fmt::format("; and {} more", parts.size() - 5);
    s.failure_retryable = only_transient;
  }

  static std::string line(const BatchLine& l) {
    return ordered_json{
        {"custom_id", l.custom_id}, {"method", "POST"}, {"url", "/v1/chat/completions"}, {"body", l.body}}
        .dump();
  }

  std::vector<std::string> auth() const {
    if (key_.empty()) return {};
    return {"Authorization: Bearer " + key_};
  }

  // {"custom_id", "response": {"status_code", "body"}, "error": null | {"code", "message"}}
  static LineResult read_line(std::string_view text, const std::string& where) {
    LineResult r;
    const json j = parse_result_line(text, where);
    r.custom_id = j["custom_id"].get<std::string>();
    if (auto e = j.find("error"); e != j.end() && e->is_object()) {
      r.error = fmt::format("{}: {}", e->value("code", std::string("error")), e->value("message", std::string()));
      return r;
    }
    const json* resp = j.contains("response") && j["response"].is_object() ? &j["response"] : nullptr;
    if (!resp) {
      r.error = "no response in the batch output";
      return r;
    }
    const long status = resp->value("status_code", 0L);
    const json body = resp->contains("body") ? (*resp)["body"] : json();
    if (status < 200 || status >= 300) {
      r.error = fmt::format("HTTP {}: {}", status, excerpt(body.dump()));
      r.retryable = is_retryable_status(status);
      return r;
    }
    try {
      r.answer = parse_openai_response(body.dump());
      r.ok = true;
    } catch (const Error& e) {
      r.error = std::string("unusable answer: ") + e.what();
    }
    return r;
  }

  OpenAIBackend direct_;
  std::string key_;
  BatchHttp http_;
  std::string base_;
};

}  // namespace

std::unique_ptr<BatchProvider> make_openai_batch_provider(const OpenAIOptions& options) {
  return std::make_unique<OpenAIBatches>(options);
}

}  // namespace sceval::llm::http
