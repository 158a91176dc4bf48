#pragma once
// The few plain HTTP calls of the provider batch APIs (batch_backend.h): JSON POSTs, GETs of batch
// objects and result files, and one multipart upload (OpenAI's POST /v1/files). One request at a
// time, with the transport's retry policy (transport.h): connection failures, timeouts, 408, 409,
// 429 and 5xx are retried with backoff and Retry-After; other statuses fail at once.
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "llm/http/transport.h"

namespace sceval::llm::http {

struct BatchHttpReply {
  long status = 0;
  std::string body;
};

// A result file downloaded to a temporary file of its own (removed when this is destroyed), open
// for reading from its start. Result files can be far larger than any reply held in memory.
class DownloadedFile {
 public:
  DownloadedFile() = default;
  DownloadedFile(DownloadedFile&& o) noexcept
      : path_(std::exchange(o.path_, {})), file_(std::exchange(o.file_, nullptr)) {}
  DownloadedFile& operator=(DownloadedFile&&) = delete;
  ~DownloadedFile();
  std::FILE* file() const { return file_; }
  const std::string& path() const { return path_; }

 private:
  friend class BatchHttp;
  std::string path_;
  std::FILE* file_ = nullptr;
};

class BatchHttp {
 public:
  // `secret` (the API key) is removed from every error message.
  BatchHttp(TransportOptions options, std::string secret);
  const TransportOptions& options() const { return options_; }

  // GET `url`; the 2xx body. Throws sceval::Error ("GET URL: HTTP 404: <excerpt>") otherwise.
  std::string get(const std::string& url, const std::vector<std::string>& headers);
  // GET `url` into a new temporary file (created exclusively), streamed: no size limit, memory
  // bounded. Retried like get(); each attempt starts the file again. Throws sceval::Error as get().
  DownloadedFile download(const std::string& url, const std::vector<std::string>& headers);
  // POST a JSON body; the 2xx body.
  std::string post_json(const std::string& url, const std::vector<std::string>& headers, const std::string& body);
  // POST multipart/form-data with text fields and one file part; the 2xx body.
  std::string post_file(const std::string& url, const std::vector<std::string>& headers,
                        const std::vector<std::pair<std::string, std::string>>& fields, const std::string& file_field,
                        const std::string& filename, const std::string& content_type, const std::string& content);

 private:
  // `file`: a download, the 2xx body is written there (see download()).
  std::string send(const char* method, const std::string& url, std::vector<std::string> headers,
                   const std::string& body, std::FILE* file = nullptr);

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
// The same for a file read from its current position, one line in memory at a time; a line longer
// than `max_line_bytes` throws sceval::Error naming its number.
void for_each_jsonl_line(std::FILE* file, std::size_t max_line_bytes,
                         const std::function<void(std::size_t, std::string_view)>& f);

// A multipart/form-data body (RFC 7578) with `boundary`, as post_file() sends it.
std::string multipart_body(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& file_field, const std::string& filename, const std::string& content_type,
                           const std::string& content);

}  // namespace sceval::llm::http
