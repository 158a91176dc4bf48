// Anthropic's Message Batches API (https://docs.anthropic.com/en/api/creating-message-batches):
// POST /v1/messages/batches with "requests": [{"custom_id", "params"}], GET
// /v1/messages/batches/{id} until processing_status is "ended", then GET results_url: JSONL, one
// line per request, {"custom_id", "result": {"type": succeeded | errored | canceled | expired}},
// streamed to a temporary file and read line by line, whatever its size.
#include <fmt/format.h>

#include "common/error.h"
#include "llm/http/backend_common.h"
#include "llm/http/batch_http.h"
#include "llm/http/batch_provider.h"

namespace sceval::llm::http {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

class AnthropicBatches final : public BatchProvider {
 public:
  explicit AnthropicBatches(const AnthropicOptions& o)
      : direct_(o), key_(read_env(o.api_key_env)), http_(o.transport, key_) {}

  std::string name() const override { return "anthropic"; }
  std::string identity() const override { return direct_.identity(); }
  std::size_t max_requests() const override { return 100000; }   // per batch
  std::size_t max_bytes() const override { return 256u << 20; }  // per batch (256 MB)
  ordered_json body(const GenerationRequest& r) const override { return anthropic_request_body(r, direct_.options()); }
  std::size_t line_bytes(const BatchLine& l) const override { return request(l).dump().size() + 1; }

  std::string submit(const std::vector<BatchLine>& lines) override {
    ordered_json requests = ordered_json::array();
    for (const auto& l : lines) requests.push_back(request(l));
    const std::string url = base() + "/v1/messages/batches";
    const json b =
        parse_reply(http_.post_json(url, headers(), ordered_json{{"requests", requests}}.dump()), "POST " + url);
    return string_field(b, "id", "POST " + url);
  }

  BatchStatus poll(const std::string& id) override {
    const std::string url = base() + "/v1/messages/batches/" + id;
    BatchStatus s;
    s.object = parse_reply(http_.get(url, headers()), "GET " + url);
    s.state = string_field(s.object, "processing_status", "GET " + url);
    s.ended = s.state == "ended";
    if (auto c = s.object.find("request_counts"); c != s.object.end() && c->is_object())
      s.counts = fmt::format("{} processing, {} succeeded, {} errored, {} canceled, {} expired",
                             c->value("processing", 0), c->value("succeeded", 0), c->value("errored", 0),
                             c->value("canceled", 0), c->value("expired", 0));
    return s;
  }

  void results(const std::string& id, const BatchStatus& s, const LineCallback& each) override {
    auto u = s.object.find("results_url");
    if (u == s.object.end() || !u->is_string()) return;  // nothing to read: every request counts as failed
    // Streamed to disk: a full batch's results are far beyond any reply size limit.
    const DownloadedFile file = http_.download(u->get<std::string>(), headers());
    for_each_jsonl_line(file.file(), http_.options().max_response_bytes, [&](std::size_t n, std::string_view l) {
      LineResult r;
      try {
        r = read_line(l, fmt::format("batch {} results line {}", id, n));
      } catch (const Error& e) {  // no custom_id to match: the backend reports it, the rest is read on
        r = LineResult{};
        r.error = e.what();
      }
      each(without_secret(std::move(r), key_));
    });
  }

 private:
  const std::string& base() const { return direct_.options().base_url; }

  ordered_json request(const BatchLine& l) const { return {{"custom_id", l.custom_id}, {"params", l.body}}; }

  std::vector<std::string> headers() const {
    std::vector<std::string> h{"anthropic-version: " + direct_.options().version};
    if (!key_.empty()) h.push_back("x-api-key: " + key_);
    return h;
  }

  static LineResult read_line(std::string_view text, const std::string& where) {
    LineResult r;
    const json j = parse_result_line(text, where);
    r.custom_id = j["custom_id"].get<std::string>();
    const json result = j.contains("result") && j["result"].is_object() ? j["result"] : json::object();
    const std::string type = result.value("type", std::string());
    if (type == "succeeded") {
      try {
        r.answer = parse_anthropic_response(result.contains("message") ? result["message"].dump() : "null");
        r.ok = true;
      } catch (const Error& e) {
        r.error = std::string("unusable answer: ") + e.what();
      }
    } else if (type == "errored") {
      // {"type": "error", "error": {"type": "invalid_request_error" | "api_error" | ..., "message"}}
      const json err = result.contains("error") ? result["error"] : json();
      const json inner = err.is_object() && err.contains("error") ? err["error"] : err;
      const std::string kind = inner.is_object() ? inner.value("type", std::string("error")) : "error";
      r.error =
          fmt::format("errored: {}: {}", kind, inner.is_object() ? inner.value("message", std::string()) : err.dump());
      r.retryable = kind != "invalid_request_error";
    } else {
      r.error = type.empty() ? std::string("no result") : type;  // canceled, expired
    }
    return r;
  }

  AnthropicBackend direct_;
  std::string key_;
  BatchHttp http_;
};

}  // namespace

std::unique_ptr<BatchProvider> make_anthropic_batch_provider(const AnthropicOptions& options) {
  return std::make_unique<AnthropicBatches>(options);
}

}  // namespace sceval::llm::http
