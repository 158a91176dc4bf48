#pragma once
// The few plain HTTP calls of the provider batch APIs (batch_backend.h): JSON POSTs, GETs of batch
// objects and result files, and one multipart upload (OpenAI's POST /v1/files). One request at a
// time, with the transport's retry policy (transport.h): connection failures, timeouts, 408, 409,
// 429 and 5xx are retried with backoff and Retry-After; other statuses fail at once.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "llm/http/transport.h"

namespace sceval::llm::http {

struct BatchHttpReply {
  long status = 0;
  std::string body;
};

class BatchHttp {
 public:
  // `secret` (the API key) is removed from every error message.
  BatchHttp(TransportOptions options, std::string secret);

  // GET `url`; the 2xx body. Throws sceval::Error ("GET URL: HTTP 404: <excerpt>") otherwise.
  std::string get(const std::string& url, const std::vector<std::string>& headers);
  // POST a JSON body; the 2xx body.
  std::string post_json(const std::string& url, const std::vector<std::string>& headers, const std::string& body);
  // POST multipart/form-data with text fields and one file part; the 2xx body.
  std::string post_file(const std::string& url, const std::vector<std::string>& headers,
                        const std::vector<std::pair<std::string, std::string>>& fields, const std::string& file_field,
                        const std::string& filename, const std::string& content_type, const std::string& content);

 private:
  std::string send(const char* method, const std::string& url, std::vector<std::string> headers, const std::string& body);

  TransportOptions options_;
  std::string secret_;
};

// A provider's JSON reply (bounded parse); errors name `where` and quote the body.
nlohmann::json parse_reply(const std::string& body, const std::string& where);
// j[key] as a string; errors name `where` and quote j.
std::string string_field(const nlohmann::json& j, const char* key, const std::string& where);
// One line of a result file: a JSON object with a string "custom_id" (errors name `where`).
nlohmann::json parse_result_line(std::string_view text, const std::string& where);

// Calls f(line_number, line) for each non-blank line of a JSONL result file (1-based numbers).
void for_each_jsonl_line(std::string_view text, const std::function<void(std::size_t, std::string_view)>& f);

// A multipart/form-data body (RFC 7578) with `boundary`, as post_file() sends it.
std::string multipart_body(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& file_field, const std::string& filename, const std::string& content_type,
                           const std::string& content);

}  // namespace sceval::llm::http
