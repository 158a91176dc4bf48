#include "llm/cache/canonical.h"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "common/error.h"
#include "common/redact.h"
#include "common/sha256.h"

namespace sceval::llm {

using nlohmann::json;

std::string_view to_string(RequestKind k) { return k == RequestKind::ScoreOptions ? "score_options" : "generate"; }

RequestKind request_kind_from_string(std::string_view s) {
  if (s == "generate") return RequestKind::Generate;
  if (s == "score_options") return RequestKind::ScoreOptions;
  throw Error(fmt::format("unknown request kind '{}' (expected generate or score_options)", s));
}

namespace {

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF (what nlohmann's
// serializer accepts).
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c == 0xE0)
      len = 3, lo = 0xA0;
    else if (c == 0xED)
      len = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
      len = 3;
    else if (c == 0xF0)
      len = 4, lo = 0x90;
    else if (c == 0xF4)
      len = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3)
      len = 4;
    else
      return false;
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

json messages_json(const Conversation& c) {
  json a = json::array();
  for (const auto& m : c) a.push_back(json{{"role", bytes_to_json(m.role)}, {"content", bytes_to_json(m.content)}});
  return a;
}

// Accessors that name the field in their error.
const json& field(const json& j, const char* name) {
  if (!j.is_object() || !j.contains(name)) throw Error(fmt::format("cached response: missing field '{}'", name));
  return j.at(name);
}

template <class T>
T number(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_number_integer()) throw Error(fmt::format("cached response: field '{}' is not an integer", name));
  return v.get<T>();
}

std::vector<double> doubles(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_array()) throw Error(fmt::format("cached response: field '{}' is not an array", name));
  std::vector<double> out;
  out.reserve(v.size());
  for (const auto& x : v) out.push_back(double_from_json(x));
  return out;
}

}  // namespace

json bytes_to_json(std::string_view bytes) {
  if (valid_utf8(bytes)) return json(std::string(bytes));
  std::string hex;
  hex.reserve(bytes.size() * 2);
  static constexpr char digits[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  return json{{"hex", std::move(hex)}};
}

std::string bytes_from_json(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.size() == 1 && j.contains("hex") && j.at("hex").is_string()) {
    const auto& h = j.at("hex").get_ref<const std::string&>();
    if (h.size() % 2 != 0) throw Error("cached response: odd-length hex string");
    std::string out;
    out.reserve(h.size() / 2);
    for (std::size_t i = 0; i < h.size(); i += 2) {
      const int a = hex_digit(h[i]), b = hex_digit(h[i + 1]);
      if (a < 0 || b < 0) throw Error("cached response: bad hex digit");
      out += static_cast<char>(a * 16 + b);
    }
    return out;
  }
  throw Error("cached response: expected a string or {\"hex\": ...}");
}

json double_to_json(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;  // nlohmann writes the shortest text that reads back to the same double
}

double double_from_json(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    if (s == "nan") return NAN;
  }
  throw Error("cached response: expected a number, \"inf\", \"-inf\" or \"nan\"");
}

std::string canonical_dump(const json& j) {
  try {
    return j.dump();  // compact; objects are std::maps, so keys come out sorted
  } catch (const json::exception& e) {
    throw Error(std::string("cannot build the cache key: ") + e.what());
  }
}

std::string cache_key(const json& canonical) { return sha256_hex(canonical_dump(canonical)); }

json canonical_request_json(std::string_view identity, const GenerationRequest& r) {
  const GenerateOptions& s = r.sampling;
  json sampling{{"temperature", double_to_json(s.temperature)},
                {"seed", s.seed},
                {"max_tokens", s.max_tokens},
                {"top_p", double_to_json(s.top_p)},
                {"top_logprobs", s.top_logprobs}};
  // Absent and present-but-empty are different requests, so absent optionals are left out.
  if (s.grammar) sampling["grammar"] = bytes_to_json(*s.grammar);
  if (s.json_schema) sampling["json_schema"] = *s.json_schema;
  if (!s.stop.empty()) {  // absent when empty, so keys made before stop strings existed stay valid
    json stop = json::array();
    for (const auto& x : s.stop) stop.push_back(bytes_to_json(x));
    sampling["stop"] = std::move(stop);
  }
  return json{{"v", kCacheKeyVersion},
              {"backend", bytes_to_json(identity)},
              {"kind", std::string(to_string(RequestKind::Generate))},
              {"messages", messages_json(r.messages)},
              {"sampling", std::move(sampling)}};
}

json canonical_request_json(std::string_view identity, const LabelScoreRequest& r) {
  json options = json::array();
  for (const auto& o : r.options) options.push_back(bytes_to_json(o));
  return json{{"v", kCacheKeyVersion},
              {"backend", bytes_to_json(identity)},
              {"kind", std::string(to_string(RequestKind::ScoreOptions))},
              {"messages", messages_json(r.messages)},
              {"answer_prefix", bytes_to_json(r.answer_prefix)},
              {"options", std::move(options)}};
}

namespace {
CacheRequest make(std::string_view identity, RequestKind kind, const json& canonical) {
  CacheRequest c;
  c.kind = kind;
  c.identity = std::string(identity);
  c.canonical = canonical_dump(canonical);
  c.key = sha256_hex(c.canonical);
  return c;
}
}  // namespace

// Any backend's identity loses URL credentials before it keys or enters the cache (the HTTP
// backends already leave them out; this holds for every other Backend too).
CacheRequest cache_request(std::string_view identity, const GenerationRequest& r) {
  const std::string id = without_url_credentials(identity);
  return make(id, RequestKind::Generate, canonical_request_json(id, r));
}

CacheRequest cache_request(std::string_view identity, const LabelScoreRequest& r) {
  const std::string id = without_url_credentials(identity);
  return make(id, RequestKind::ScoreOptions, canonical_request_json(id, r));
}

json generation_to_json(const Generation& g) {
  json lp = json::array();
  for (const auto& t : g.logprobs) {
    json top = json::array();
    for (const auto& [tok, p] : t.top) top.push_back(json::array({bytes_to_json(tok), double_to_json(p)}));
    lp.push_back(
        json{{"token", bytes_to_json(t.token)}, {"logprob", double_to_json(t.logprob)}, {"top", std::move(top)}});
  }
  json out{{"text", bytes_to_json(g.text)},    {"finish", std::string(to_string(g.finish))},
           {"prompt_tokens", g.prompt_tokens}, {"completion_tokens", g.completion_tokens},
           {"logprobs", std::move(lp)},        {"error", bytes_to_json(g.error)}};
  if (!g.reasoning.empty()) out["reasoning"] = bytes_to_json(g.reasoning);  // absent in older rows
  return out;
}

Generation generation_from_json(const json& j) {
  Generation g;
  g.text = bytes_from_json(field(j, "text"));
  const json& f = field(j, "finish");
  const std::string finish = f.is_string() ? f.get<std::string>() : "";
  if (finish == "stop")
    g.finish = FinishReason::Stop;
  else if (finish == "length")
    g.finish = FinishReason::Length;
  else if (finish == "error")
    g.finish = FinishReason::Error;
  else
    throw Error("cached response: field 'finish' is not stop, length or error");
  g.prompt_tokens = number<int>(j, "prompt_tokens");
  g.completion_tokens = number<int>(j, "completion_tokens");
  const json& lp = field(j, "logprobs");
  if (!lp.is_array()) throw Error("cached response: field 'logprobs' is not an array");
  for (const auto& t : lp) {
    TokenLogprob tl;
    tl.token = bytes_from_json(field(t, "token"));
    tl.logprob = double_from_json(field(t, "logprob"));
    const json& top = field(t, "top");
    if (!top.is_array()) throw Error("cached response: field 'top' is not an array");
    for (const auto& pair : top) {
      if (!pair.is_array() || pair.size() != 2) throw Error("cached response: 'top' entries must be [token, logprob]");
      tl.top.emplace_back(bytes_from_json(pair[0]), double_from_json(pair[1]));
    }
    g.logprobs.push_back(std::move(tl));
  }
  g.error = bytes_from_json(field(j, "error"));
  if (auto r = j.find("reasoning"); r != j.end()) g.reasoning = bytes_from_json(*r);
  return g;
}

json scores_to_json(const OptionScores& s) {
  json lp = json::array(), pr = json::array(), nt = json::array();
  for (double x : s.logprob) lp.push_back(double_to_json(x));
  for (double x : s.probability) pr.push_back(double_to_json(x));
  for (int n : s.n_tokens) nt.push_back(n);
  return json{{"logprob", std::move(lp)}, {"probability", std::move(pr)}, {"n_tokens", std::move(nt)}};
}

OptionScores scores_from_json(const json& j) {
  OptionScores s;
  s.logprob = doubles(j, "logprob");
  s.probability = doubles(j, "probability");
  const json& nt = field(j, "n_tokens");
  if (!nt.is_array()) throw Error("cached response: field 'n_tokens' is not an array");
  for (const auto& n : nt) {
    if (!n.is_number_integer()) throw Error("cached response: field 'n_tokens' holds a non-integer");
    s.n_tokens.push_back(n.get<int>());
  }
  return s;
}

}  // namespace sceval::llm
