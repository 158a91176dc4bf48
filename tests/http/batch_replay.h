#pragma once
// A local replay of the providers' batch APIs, in their documented wire formats, for the batch
// backend tests (no real OpenAI or Anthropic server runs here):
//   OpenAI (https://platform.openai.com/docs/api-reference/batch, /files): POST /v1/files
//   (multipart/form-data, purpose=batch, a JSONL file), POST /v1/batches, GET /v1/batches/{id}
//   (validating -> in_progress -> finalizing -> completed | expired), GET /v1/files/{id}/content
//   (output and error files, lines in reverse order of the input), and the direct
//   POST /v1/chat/completions;
//   Anthropic (https://docs.anthropic.com/en/api/creating-message-batches, /retrieving-message-
//   batch-results): POST /v1/messages/batches, GET /v1/messages/batches/{id} (in_progress ->
//   ended), GET .../{id}/results (succeeded | errored | canceled | expired lines), and the direct
//   POST /v1/messages.
// What a line gets is scripted by its last user message: containing "invalid" -> 400 /
// invalid_request_error; "flaky" -> a server error the first time it is seen, then an answer;
// "always fails" -> a server error every time; anything else -> the answer "answer to: <message>".
// expire_next makes the next batch expire with only its first half answered; echo_key appends the
// key the client authenticated with to every batch answer; pad_answers lengthens every batch answer
// (result files larger than any reply limit); fail_downloads makes that many result file downloads
// fail with a 500 first; fail_next makes the next OpenAI batch fail validation with that error
// code (status "failed", errors.data with code, line and message, no output file). rule, when set,
// writes every batch answer from the line's whole conversation (a rule model behind the batch API).
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/test_server.h"

namespace sceval::testing {

class BatchReplay {
 public:
  ServerReply operator()(const ServerRequest& r);

  std::string base;               // the server's URL (for Anthropic's results_url)
  std::atomic<bool> hold{false};  // batches stay in progress while set
  std::atomic<bool> expire_next{false};
  std::atomic<bool> echo_key{false};        // answers end with the API key the client sent (a careless server)
  std::atomic<std::size_t> pad_answers{0};  // bytes of 'x' appended to every batch answer
  std::function<std::string(const nlohmann::json& messages)> rule;  // set before the server starts
  std::atomic<int> fail_downloads{0};
  std::string fail_next;  // an OpenAI errors.data code; set before the batch is created
  std::atomic<int> files_uploaded{0}, batches_created{0}, polls{0}, direct_calls{0}, downloads{0};

  struct Batch {
    std::string provider, status;
    std::vector<nlohmann::json> lines;  // OpenAI: input lines; Anthropic: requests
    int polls = 0;
    bool expire = false;
    std::string output_file, error_file;
    std::string fail_code;  // OpenAI: fails validation with this errors.data code
    nlohmann::json create;  // the create request (OpenAI)
  };
  std::mutex mutex;
  std::map<std::string, std::string> files;         // id -> content
  std::map<std::string, std::string> upload_parts;  // last upload: part name -> value (file: its filename)
  std::map<std::string, Batch> batches;             // id -> batch
  std::vector<std::string> batch_order;             // ids in creation order

 private:
  ServerReply openai(const ServerRequest& r);
  ServerReply anthropic(const ServerRequest& r);
  ServerReply poll_openai(const std::string& id);
  void finish_openai(const std::string& id, Batch& b);
  // The scripted outcome of a message: 0 = answer, else the HTTP status of the failure.
  int outcome(const std::string& last_user);
  std::map<std::string, int> seen_;
  std::string key_seen_;                              // the last Authorization bearer token or x-api-key
  std::string echoed(const std::string& text) const;  // with the key (echo_key) and padding
  bool download_fails();                              // counts a download; true while fail_downloads lasts
  int next_id_ = 1;
};

// The direct answers both replays give: "answer to: <last user message>".
nlohmann::json openai_completion(const nlohmann::json& body);
nlohmann::json anthropic_message(const nlohmann::json& params);

}  // namespace sceval::testing
