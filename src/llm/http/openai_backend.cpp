#include "llm/http/openai_backend.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "common/json_bounded.h"
#include "common/redact.h"
#include "llm/http/backend_common.h"
#include "llm/http/model_rules.h"

namespace sceval::llm {

using nlohmann::json;
using nlohmann::ordered_json;

bool is_openai_reasoning_model(std::string_view model) {
  const auto* rule = http::find_openai_rule(model);
  return rule && rule->shape == http::OpenAIShape::Reasoning;
}

OpenAIBackend::OpenAIBackend(OpenAIOptions options) : options_(std::move(options)), transport_(options_.transport) {
  if (options_.model.empty()) throw Error("OpenAI-compatible backend: the model name is empty");
  std::string_view all = options_.base_url;
  for (std::size_t start = 0; start <= all.size();) {
    std::size_t comma = std::min(all.find(',', start), all.size());
    urls_.push_back(http::normalize_base_url(all.substr(start, comma - start), "OpenAI-compatible backend"));
    start = comma + 1;
  }
  std::vector<std::string> sorted = urls_;
  std::sort(sorted.begin(), sorted.end());
  options_.base_url = fmt::format("{}", fmt::join(sorted, ","));
  if (!options_.reasoning_effort.empty() && !options_.reasoning)
    throw Error(
        fmt::format("OpenAI backend: reasoning_effort={} is for reasoning models, and {} is not one by the model "
                    "table (docs/backends.md); add ;reasoning=1 if it is one",
                    options_.reasoning_effort, options_.model));
  api_key_ = http::read_env(options_.api_key_env);
  bool hosted = false;
  for (const auto& u : urls_) hosted = hosted || http::url_host(u) == "api.openai.com";
  if (api_key_.empty() && hosted)
    throw Error("OpenAI backend: the environment variable " + options_.api_key_env +
                " holds no API key (set it, or name another variable with ;api_key_env=NAME)");
}

std::string OpenAIBackend::identity() const {
  // Without URL credentials: the cache key and the cache file must not depend on or hold them.
  std::string id = "openai:" + options_.model + "@" + without_url_credentials(options_.base_url);
  if (options_.omit_temperature) id += ";omit_temperature";
  if (options_.max_completion_tokens) id += ";max_completion_tokens";
  if (!options_.reasoning_effort.empty()) id += ";reasoning_effort=" + options_.reasoning_effort;
  if (!options_.json_schema_strict) id += ";json_schema_strict=0";
  return id;
}

ordered_json openai_request_body(const GenerationRequest& request, const OpenAIOptions& options) {
  const GenerateOptions& s = request.sampling;
  if (request.messages.empty()) throw Error("the conversation is empty");
  if (s.grammar && s.json_schema) throw Error("a request may have a grammar or a JSON schema, not both");
  if (s.top_logprobs > kOpenAIMaxTopLogprobs)
    throw Error(fmt::format("top_logprobs {}: the chat completions API returns at most {} alternatives per token",
                            s.top_logprobs, kOpenAIMaxTopLogprobs));
  ordered_json body;
  body["model"] = options.model;
  body["messages"] = to_json(request.messages);
  if (!options.omit_temperature) {
    body["temperature"] = s.temperature;
    if (s.top_p != 1.0) body["top_p"] = s.top_p;
  }
  if (s.max_tokens > 0) body[options.max_completion_tokens ? "max_completion_tokens" : "max_tokens"] = s.max_tokens;
  if (!options.reasoning_effort.empty()) body["reasoning_effort"] = options.reasoning_effort;
  body["seed"] = s.seed;
  if (s.json_schema) {
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", "response"}, {"strict", options.json_schema_strict}, {"schema", *s.json_schema}}}};
  }
  if (s.grammar) body["grammar"] = *s.grammar;  // llama-server's extension (GBNF)
  if (!s.stop.empty()) body["stop"] = s.stop;
  if (s.top_logprobs > 0) {
    body["logprobs"] = true;
    body["top_logprobs"] = s.top_logprobs;
  }
  return body;
}

namespace {

int int_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::vector<TokenLogprob> read_logprobs(const json& content) {
  std::vector<TokenLogprob> out;
  if (!content.is_array()) return out;
  for (const auto& t : content) {
    TokenLogprob tl;
    tl.token = t.value("token", std::string());
    if (auto lp = t.find("logprob"); lp != t.end() && lp->is_number()) tl.logprob = lp->get<double>();
    if (auto top = t.find("top_logprobs"); top != t.end() && top->is_array()) {
      for (const auto& alt : *top) {
        double lp = alt.contains("logprob") && alt["logprob"].is_number() ? alt["logprob"].get<double>() : 0.0;
        tl.top.emplace_back(alt.value("token", std::string()), lp);
      }
      std::stable_sort(tl.top.begin(), tl.top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    }
    out.push_back(std::move(tl));
  }
  return out;
}

}  // namespace

Generation parse_openai_response(std::string_view body) {
  json j;
  try {
    j = parse_json_bounded(body, "reply", http::kReplyJsonLimits);
  } catch (const Error& e) {
    // A reply cut mid-character by a server that does not check its UTF-8: keep it, with U+FFFD.
    std::string repaired = http::repair_utf8(body);
    if (repaired == body) throw Error(fmt::format("not JSON ({})", e.what()));
    try {
      j = parse_json_bounded(repaired, "reply", http::kReplyJsonLimits);
    } catch (const Error&) {
      throw Error(fmt::format("not JSON ({})", e.what()));
    }
  }
  if (!j.is_object()) throw Error("not a JSON object");
  if (auto err = j.find("error"); err != j.end() && !err->is_null()) throw Error("error object: " + err->dump());
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) throw Error("no \"choices\"");
  const json& c0 = (*choices)[0];
  auto msg = c0.find("message");
  if (msg == c0.end() || !msg->is_object()) throw Error("no \"choices[0].message\"");
  Generation g;
  if (auto content = msg->find("content"); content != msg->end()) {
    if (content->is_string())
      g.text = content->get<std::string>();
    else if (!content->is_null())
      throw Error("\"choices[0].message.content\" is not a string");
  }
  for (const char* key : {"reasoning_content", "reasoning"}) {  // llama-server/DeepSeek; vLLM/OpenRouter
    if (auto r = msg->find(key); r != msg->end() && r->is_string() && g.reasoning.empty())
      g.reasoning = r->get<std::string>();
  }
  std::string finish;
  if (auto f = c0.find("finish_reason"); f != c0.end() && f->is_string()) finish = f->get<std::string>();
  g.finish = finish == "length" ? FinishReason::Length : FinishReason::Stop;
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    g.prompt_tokens = int_field(*usage, "prompt_tokens");
    g.completion_tokens = int_field(*usage, "completion_tokens");
  }
  if (auto lp = c0.find("logprobs"); lp != c0.end() && lp->is_object()) {
    if (auto content = lp->find("content"); content != lp->end()) g.logprobs = read_logprobs(*content);
  }
  return g;
}

std::vector<Generation> OpenAIBackend::generate(std::span<const GenerationRequest> batch) {
  return generate_each(batch, {});
}

std::vector<Generation> OpenAIBackend::generate_each(std::span<const GenerationRequest> batch,
                                                     const ResultCallback& on_result) {
  // Refused before anything is sent: every request would come back 400, after the others were paid.
  for (const auto& r : batch)
    if (r.sampling.top_logprobs > kOpenAIMaxTopLogprobs)
      throw Error(fmt::format("OpenAI-compatible backend: top_logprobs {} is out of the API's range (0 to {})",
                              r.sampling.top_logprobs, kOpenAIMaxTopLogprobs));
  auto build = [&](const GenerationRequest& r) {
    http::HttpRequest h;
    h.url = urls_[next_url_++ % urls_.size()] + "/chat/completions";
    if (!api_key_.empty()) h.headers.push_back("Authorization: Bearer " + api_key_);
    h.body = openai_request_body(r, options_).dump();
    return h;
  };
  return http::run_batch(transport_, batch, build, parse_openai_response, api_key_, on_result);
}

}  // namespace sceval::llm
