#include "llm/http/batch_http.h"

#include <curl/curl.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "common/error.h"
#include "common/json_bounded.h"
#include "llm/http/backend_common.h"

namespace sceval::llm::http {

namespace {

struct Received {
  std::string body;  // a JSON reply, or the start of an error reply to a download
  std::string retry_after;
  std::size_t limit = 0;
  bool too_large = false;
  std::FILE* file = nullptr;  // a download: a 2xx body goes here, unbounded
  bool write_failed = false;
  CURL* handle = nullptr;
};

std::size_t received_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Received*>(user);
  if (r->file) {
    long status = 0;
    curl_easy_getinfo(r->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      if (std::fwrite(data, 1, size * n, r->file) == size * n) return size * n;
      r->write_failed = true;  // disk full: retrying would not help
      return 0;
    }
    // An error reply is only quoted: keep its start, drop the rest.
    r->body.append(data, std::min(size * n, r->limit > r->body.size() ? r->limit - r->body.size() : 0));
    return size * n;
  }
  if (r->body.size() + size * n > r->limit) {
    r->too_large = true;
    return 0;  // aborts the transfer
  }
  r->body.append(data, size * n);
  return size * n;
}

std::size_t received_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "retry-after") {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(v.begin());
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
      static_cast<Received*>(user)->retry_after = v;
    }
  }
  return size * n;
}

double uniform01() {
  static std::mutex m;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(m);
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

}  // namespace

std::string multipart_body(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& file_field, const std::string& filename, const std::string& content_type,
                           const std::string& content) {
  std::string b;
  for (const auto& [name, value] : fields)
    b += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n", boundary, name, value);
  b += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                   boundary, file_field, filename, content_type);
  b += content;
  b += fmt::format("\r\n--{}--\r\n", boundary);
  return b;
}

BatchHttp::BatchHttp(TransportOptions options, std::string secret)
    : options_(std::move(options)), secret_(std::move(secret)) {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl could not be initialised");
  });
}

std::string BatchHttp::get(const std::string& url, const std::vector<std::string>& headers) {
  return send("GET", url, headers, {});
}

std::string BatchHttp::post_json(const std::string& url, const std::vector<std::string>& headers,
                                 const std::string& body) {
  auto h = headers;
  h.push_back("Content-Type: application/json");
  return send("POST", url, std::move(h), body);
}

std::string BatchHttp::post_file(const std::string& url, const std::vector<std::string>& headers,
                                 const std::vector<std::pair<std::string, std::string>>& fields,
                                 const std::string& file_field, const std::string& filename,
                                 const std::string& content_type, const std::string& content) {
  std::string boundary;
  do {  // a boundary that does not occur in the content
    boundary = fmt::format("sceval-{:016x}{:016x}", static_cast<std::uint64_t>(uniform01() * 0x1p64),
                           static_cast<std::uint64_t>(uniform01() * 0x1p64));
  } while (content.find(boundary) != std::string::npos);
  auto h = headers;
  h.push_back("Content-Type: multipart/form-data; boundary=" + boundary);
  return send("POST", url, std::move(h), multipart_body(boundary, fields, file_field, filename, content_type, content));
}

DownloadedFile::~DownloadedFile() {
  if (file_) std::fclose(file_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

DownloadedFile BatchHttp::download(const std::string& url, const std::vector<std::string>& headers) {
  // mkstemp creates the file exclusively (O_CREAT | O_EXCL, mode 0600): no other user's file or
  // symlink is ever opened or overwritten, and concurrent runs never share one.
  std::string name = (std::filesystem::temp_directory_path() / "sceval-batch-results-XXXXXX").string();
  const int fd = ::mkstemp(name.data());
  if (fd < 0)
    throw Error(
        fmt::format("cannot create a temporary file for the batch results ({}): {}", name, std::strerror(errno)));
  DownloadedFile f;
  f.path_ = name;
  f.file_ = ::fdopen(fd, "w+b");
  if (!f.file_) {
    ::close(fd);
    throw Error(fmt::format("cannot open {}: {}", name, std::strerror(errno)));
  }
  send("GET", url, headers, {}, f.file_);
  if (std::fflush(f.file_) != 0 || std::ferror(f.file_))
    throw Error(fmt::format("cannot write the batch results to {}: {}", name, std::strerror(errno)));
  std::rewind(f.file_);
  return f;
}

std::string BatchHttp::send(const char* method, const std::string& url, std::vector<std::string> headers,
                            const std::string& body, std::FILE* file) {
  const RetryPolicy& policy = options_.retry;
  for (int attempt = 1;; ++attempt) {
    if (file) {  // each attempt starts the file again
      std::fflush(file);
      if (::ftruncate(::fileno(file), 0) != 0)
        throw Error(std::string("cannot truncate the results file: ") + std::strerror(errno));
      std::rewind(file);
    }
    CURL* e = curl_easy_init();
    if (!e) throw Error("libcurl: cannot create a handle");
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for uploads
    Received r;
    r.limit = file ? 4096 : options_.max_response_bytes;  // a download keeps only an error reply's start
    r.file = file;
    r.handle = e;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    if (std::string_view(method) == "POST") {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &received_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &received_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::ceil(options_.connect_timeout_s * 1000)));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(options_.timeout_s * 1000)));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sceval");
    const CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(list);
    curl_easy_cleanup(e);

    std::string why;
    bool retry = false;
    if (r.write_failed) {
      throw Error(
          redact(fmt::format("{} {}: cannot write the reply to disk: {}", method, url, std::strerror(errno)), secret_));
    } else if (r.too_large) {
      why = fmt::format("the reply is larger than {} bytes", options_.max_response_bytes);
    } else if (rc != CURLE_OK) {
      why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      retry = true;
    } else if (status >= 200 && status < 300) {
      return std::move(r.body);
    } else {
      why = fmt::format("HTTP {}: {}", status, excerpt(r.body));
      retry = is_retryable_status(status);
    }
    std::optional<double> retry_after;
    if (!r.retry_after.empty()) retry_after = parse_retry_after(r.retry_after, std::time(nullptr));
    const double delay = backoff_delay(attempt, policy, retry_after, uniform01());
    if (options_.on_attempt) {
      AttemptEvent ev;
      ev.attempt = attempt;
      ev.status = status;
      ev.will_retry = retry && attempt < policy.max_attempts;
      ev.delay_s = delay;
      ev.retry_after_s = retry_after;
      ev.reason = redact(fmt::format("{} {}: {}", method, url, why), secret_);
      options_.on_attempt(ev);
    }
    if (!retry || attempt >= policy.max_attempts)
      throw Error(redact(
          fmt::format("{} {}: {} after {} attempt{}", method, url, why, attempt, attempt == 1 ? "" : "s"), secret_));
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

nlohmann::json parse_reply(const std::string& body, const std::string& where) {
  try {
    return parse_json_bounded(body, where);
  } catch (const Error& e) {
    throw Error(fmt::format("{} ({})", e.what(), excerpt(body)));
  }
}

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end() || !it->is_string()) throw Error(fmt::format("{}: no \"{}\" in {}", where, key, excerpt(j.dump())));
  return it->get<std::string>();
}

nlohmann::json parse_result_line(std::string_view text, const std::string& where) {
  nlohmann::json j = parse_json_bounded(text, where);
  if (!j.is_object() || !j.contains("custom_id") || !j["custom_id"].is_string())
    throw Error(fmt::format("{}: no \"custom_id\"", where));
  return j;
}

void for_each_jsonl_line(std::string_view text, const std::function<void(std::size_t, std::string_view)>& f) {
  std::size_t n = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++n;
    if (line.find_first_not_of(" \r\t") != std::string_view::npos) f(n, line);
  }
}

}  // namespace sceval::llm::http

namespace sceval::llm::http {

void for_each_jsonl_line(std::FILE* file, std::size_t max_line_bytes,
                         const std::function<void(std::size_t, std::string_view)>& f) {
  // Read in blocks and keep only the current line: memory is one line, whatever the file's size.
  std::vector<char> block(1u << 16);
  std::string line;
  std::size_t n = 0;
  auto emit = [&] {
    ++n;
    if (line.find_first_not_of(" \r\t") != std::string::npos) f(n, line);
    line.clear();
  };
  for (;;) {
    const std::size_t got = std::fread(block.data(), 1, block.size(), file);
    for (std::size_t start = 0; start < got;) {
      const char* nl = static_cast<const char*>(std::memchr(block.data() + start, '\n', got - start));
      const std::size_t end = nl ? static_cast<std::size_t>(nl - block.data()) : got;
      if (line.size() + (end - start) > max_line_bytes)
        throw Error(fmt::format("line {} of the batch results is longer than {} bytes", n + 1, max_line_bytes));
      line.append(block.data() + start, end - start);
      start = end;
      if (nl) {
        emit();
        ++start;
      }
    }
    if (got < block.size()) break;
  }
  if (std::ferror(file)) throw Error(std::string("cannot read the batch results file: ") + std::strerror(errno));
  if (!line.empty()) emit();
}

}  // namespace sceval::llm::http
