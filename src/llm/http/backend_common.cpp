#include "llm/http/backend_common.h"

#include <cstdlib>
#include <optional>

#include "common/error.h"

namespace sceval::llm::http {

std::string normalize_base_url(std::string_view url, std::string_view what) {
  std::string u(url);
  while (!u.empty() && (u.back() == '/' || u.back() == ' ')) u.pop_back();
  while (!u.empty() && u.front() == ' ') u.erase(u.begin());
  const bool http = u.starts_with("http://"), https = u.starts_with("https://");
  const std::size_t scheme = http ? 7 : https ? 8 : 0;
  if (!scheme || u.size() <= scheme)
    throw Error(std::string(what) + ": expected a base URL starting with http:// or https://, got \"" + std::string(url) +
                "\"");
  return u;
}

std::string url_host(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  url.remove_prefix(p + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') url = url.substr(0, url.find(']') + 1);
  else url = url.substr(0, url.find(':'));
  std::string h(url);
  for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return h;
}

std::string read_env(const std::string& name) {
  if (name.empty()) return {};
  const char* v = std::getenv(name.c_str());
  return v ? std::string(v) : std::string();
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t p = 0; (p = text.find(secret, p)) != std::string::npos; p += 3) text.replace(p, secret.size(), "***");
  return text;
}

std::vector<Generation> run_batch(Transport& transport, std::span<const GenerationRequest> batch,
                                  const std::function<HttpRequest(const GenerationRequest&)>& build,
                                  const std::function<Generation(std::string_view)>& parse,
                                  const std::string& secret) {
  std::vector<Generation> results(batch.size());
  std::vector<HttpRequest> requests;
  std::vector<std::size_t> sent;  // batch index of each HTTP request
  requests.reserve(batch.size());
  sent.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      requests.push_back(build(batch[i]));
      sent.push_back(i);
    } catch (const std::exception& e) {  // sceval::Error, or invalid UTF-8 from the JSON writer
      results[i].finish = FinishReason::Error;
      results[i].error = redact(std::string("request not sent: ") + e.what(), secret);
    }
  }
  std::vector<std::optional<Generation>> parsed(requests.size());
  auto check = [&](std::size_t k, const std::string& body) -> std::string {
    try {
      parsed[k] = parse(body);
      return {};
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  std::vector<HttpOutcome> outcomes = transport.post(requests, check);
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    Generation& g = results[sent[k]];
    if (outcomes[k].ok && parsed[k]) {
      g = std::move(*parsed[k]);
    } else {
      g = Generation{};
      g.finish = FinishReason::Error;
      g.error = redact(outcomes[k].error, secret);
    }
  }
  return results;
}

}  // namespace sceval::llm::http
