#include "llm/http/backend_common.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "common/error.h"
#include "common/redact.h"

namespace sceval::llm::http {

std::string normalize_base_url(std::string_view url, std::string_view what) {
  std::string u(url);
  while (!u.empty() && (u.back() == '/' || u.back() == ' ')) u.pop_back();
  while (!u.empty() && u.front() == ' ') u.erase(u.begin());
  auto bad = [&](std::string_view why) {
    throw Error(fmt::format("{}: \"{}\" is not a base URL: {}", what, without_url_credentials(url), why));
  };
  const bool http = u.starts_with("http://"), https = u.starts_with("https://");
  const std::size_t scheme = http ? 7 : https ? 8 : 0;
  if (!scheme || u.size() <= scheme) bad("expected http://HOST[:PORT][/PATH] or https://...");
  for (char c : u)
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') bad("it holds white space or control characters");
  // The authority: [user[:password]@]host[:port]
  std::string_view authority = std::string_view(u).substr(scheme);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad("unclosed '[' in the host");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') bad("expected ':PORT' after the IPv6 address");
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) bad("an empty port after ':'");
  }
  if (host.empty() || host == "[]") bad("the host is empty");
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("-._[]:%").find(c) == std::string_view::npos)
      bad(fmt::format("the host holds '{}'", c));
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535)
      bad(fmt::format("port \"{}\" is not a number in 1..65535", port));
  }
  return u;
}

std::string url_host(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  url.remove_prefix(p + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[')
    url = url.substr(0, url.find(']') + 1);
  else
    url = url.substr(0, url.find(':'));
  std::string h(url);
  for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return h;
}

std::string read_env(const std::string& name) {
  if (name.empty()) return {};
  const char* v = std::getenv(name.c_str());
  return v ? std::string(v) : std::string();
}

std::string repair_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto cont = [&](std::size_t i) { return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80                      ? 1
                      : (c >> 5) == 6 && c >= 0xC2  ? 2
                      : (c >> 4) == 14              ? 3
                      : (c >> 3) == 30 && c <= 0xF4 ? 4
                                                    : 0;
    bool ok = len > 0;
    for (std::size_t k = 1; ok && k < len; ++k) ok = cont(i + k);
    if (ok && len == 3) {  // no overlong forms, no surrogates
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && len == 4) {  // no overlong forms, nothing above U+10FFFF
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t p = 0; (p = text.find(secret, p)) != std::string::npos; p += 3)
    text.replace(p, secret.size(), "***");
  return text;
}

std::vector<Generation> run_batch(Transport& transport, std::span<const GenerationRequest> batch,
                                  const std::function<HttpRequest(const GenerationRequest&)>& build,
                                  const std::function<Generation(std::string_view)>& parse, const std::string& secret,
                                  const ResultCallback& on_result) {
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
      if (on_result) on_result(i, results[i]);
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
  auto done = [&](std::size_t k, const HttpOutcome& outcome) {
    Generation& g = results[sent[k]];
    if (outcome.ok && parsed[k]) {
      g = std::move(*parsed[k]);
      // A server that echoes the key into its reply must not get it into the cache or samples.jsonl.
      g.text = redact_secret(std::move(g.text), secret);
      g.reasoning = redact_secret(std::move(g.reasoning), secret);
      // Stop strings cut the text here too (before the answer is cached): servers that ignore
      // "stop" (or include it, or like Anthropic are not sent it) give the same text as those that honour it.
      if (cut_at_stop(g.text, batch[sent[k]].sampling.stop)) g.finish = FinishReason::Stop;
    } else {
      g = Generation{};
      g.finish = FinishReason::Error;
      g.error = redact(outcome.error, secret);
    }
    if (on_result) on_result(sent[k], g);
  };
  transport.post(requests, check, done);
  return results;
}

}  // namespace sceval::llm::http
