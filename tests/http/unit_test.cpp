// The HTTP backends without a model or a server: model specs, request bodies, response parsing
// (the retry policy and the transport are in transport_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/http/backend_common.h"
#include "llm/http/model_spec.h"

namespace sceval::llm {
namespace {

using nlohmann::json;

// ---- model specs -----------------------------------------------------------------------------

TEST(HttpModelSpec, OpenAIWithBaseUrl) {
  auto s = parse_model_spec("openai:qwen2.5-7b-instruct@http://127.0.0.1:8080/v1/");
  EXPECT_EQ(s.provider, "openai");
  EXPECT_EQ(s.model, "qwen2.5-7b-instruct");
  EXPECT_EQ(s.base_url, "http://127.0.0.1:8080/v1");
  EXPECT_TRUE(s.settings.empty());
}

TEST(HttpModelSpec, ModelNamesWithColonsAndSlashes) {
  auto s = parse_model_spec("openai:llama3.1:8b@http://localhost:11434/v1");  // Ollama
  EXPECT_EQ(s.model, "llama3.1:8b");
  EXPECT_EQ(s.base_url, "http://localhost:11434/v1");
  s = parse_model_spec("openai:meta-llama/Llama-3.1-8B-Instruct@https://vllm.example.org/v1");
  EXPECT_EQ(s.model, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(s.base_url, "https://vllm.example.org/v1");
}

TEST(HttpModelSpec, DefaultsAndSettings) {
  auto s = parse_model_spec("anthropic:claude-3-5-haiku-20241022;concurrency=4;thinking=disabled");
  EXPECT_EQ(s.provider, "anthropic");
  EXPECT_EQ(s.model, "claude-3-5-haiku-20241022");
  EXPECT_EQ(s.base_url, "");
  ASSERT_EQ(s.settings.size(), 2u);
  auto o = anthropic_options(s);
  EXPECT_EQ(o.base_url, "https://api.anthropic.com");
  EXPECT_EQ(o.transport.concurrency, 4);
  EXPECT_EQ(o.thinking, AnthropicThinking::Disabled);

  auto oa = openai_options(parse_model_spec("openai:gpt-4o;max_attempts=3;timeout=30;backoff=0.5;api_key_env=MY_KEY"));
  EXPECT_EQ(oa.base_url, "https://api.openai.com/v1");
  EXPECT_EQ(oa.transport.retry.max_attempts, 3);
  EXPECT_DOUBLE_EQ(oa.transport.timeout_s, 30);
  EXPECT_DOUBLE_EQ(oa.transport.retry.initial_backoff_s, 0.5);
  EXPECT_EQ(oa.api_key_env, "MY_KEY");
  EXPECT_FALSE(oa.omit_temperature);

  auto th = anthropic_options(parse_model_spec("anthropic:claude-sonnet-4-20250514;thinking=2048"));
  EXPECT_EQ(th.thinking, AnthropicThinking::Enabled);
  EXPECT_EQ(th.thinking_budget, 2048);
}

TEST(HttpModelSpec, OSeriesOmitTemperature) {
  auto o = openai_options(parse_model_spec("openai:o3-2025-04-16"));
  EXPECT_TRUE(o.omit_temperature);
  EXPECT_TRUE(o.max_completion_tokens);
  o = openai_options(parse_model_spec("openai:o3-2025-04-16;omit_temperature=0"));
  EXPECT_FALSE(o.omit_temperature);
  EXPECT_TRUE(o.max_completion_tokens);
  o = openai_options(parse_model_spec("openai:gpt-4o;omit_temperature"));  // flag without value = true
  EXPECT_TRUE(o.omit_temperature);
  EXPECT_FALSE(o.max_completion_tokens);
  EXPECT_TRUE(is_openai_reasoning_model("o1-mini"));
  EXPECT_TRUE(is_openai_reasoning_model("o4-mini"));
  EXPECT_FALSE(is_openai_reasoning_model("gpt-4o"));
  EXPECT_FALSE(is_openai_reasoning_model("ollama"));
}

TEST(HttpModelSpec, ErrorsSayWhatIsWrong) {
  auto message = [](const std::string& spec) {
    try {
      auto s = parse_model_spec(spec);
      if (s.provider == "openai")
        openai_options(s);
      else
        anthropic_options(s);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("gguf:model.gguf").find("unknown provider"), std::string::npos);
  EXPECT_NE(message("openai:@http://x/v1").find("model name is empty"), std::string::npos);
  EXPECT_NE(message("openai:m@localhost:8080/v1").find("http://"), std::string::npos);
  EXPECT_NE(message("openai:m@http://h/v1;colour=red").find("unknown setting \"colour\""), std::string::npos);
  EXPECT_NE(message("openai:m@http://h/v1;concurrency=0").find("concurrency"), std::string::npos);
  EXPECT_NE(message("openai:m@http://h/v1;timeout=abc").find("seconds"), std::string::npos);
  EXPECT_NE(message("anthropic:c;thinking=lots").find("thinking"), std::string::npos);
  EXPECT_TRUE(is_http_model_spec("openai:x@http://h/v1"));
  EXPECT_TRUE(is_http_model_spec("anthropic:claude"));
  EXPECT_FALSE(is_http_model_spec("models/x.gguf"));
}

// ---- request bodies --------------------------------------------------------------------------

GenerationRequest request(Conversation c) {
  GenerationRequest r;
  r.messages = std::move(c);
  return r;
}

TEST(HttpOpenAIBody, PaperShape) {
  OpenAIOptions o;
  o.model = "gpt-4o";
  auto body = openai_request_body(request({{"user", "Is it above $50,000?"}}), o);
  // The paper's OpenAIClient: model, messages, temperature, max_tokens, seed.
  EXPECT_EQ(body.dump(),
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"Is it above $50,000?"}],"temperature":0.0,)"
            R"("max_tokens":1000,"seed":42})");
}

TEST(HttpOpenAIBody, OSeriesHasNoTemperature) {
  auto o = openai_options(parse_model_spec("openai:o3-2025-04-16"));
  auto r = request({{"user", "hi"}});
  r.sampling.top_p = 0.9;
  auto body = openai_request_body(r, o);
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_FALSE(body.contains("top_p"));
  EXPECT_FALSE(body.contains("max_tokens"));
  EXPECT_EQ(body["max_completion_tokens"], 1000);
  EXPECT_EQ(body["seed"], 42);
}

TEST(HttpOpenAIBody, SchemaLogprobsGrammar) {
  OpenAIOptions o;
  o.model = "m";
  auto r = request({{"system", "S"}, {"user", "U"}});
  r.sampling.temperature = 0.7;
  r.sampling.top_p = 0.95;
  r.sampling.seed = 7;
  r.sampling.max_tokens = 64;
  r.sampling.json_schema = json{{"type", "object"}};
  r.sampling.top_logprobs = 5;
  auto body = openai_request_body(r, o);
  EXPECT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.95);
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["name"], "response");
  EXPECT_EQ(body["response_format"]["json_schema"]["strict"], true);
  EXPECT_EQ(json(body["response_format"]["json_schema"]["schema"]), json({{"type", "object"}}));
  EXPECT_EQ(body["logprobs"], true);
  EXPECT_EQ(body["top_logprobs"], 5);
  EXPECT_FALSE(body.contains("stop"));
  r.sampling.stop = {"\n", "}"};
  EXPECT_EQ(json(openai_request_body(r, o)["stop"]), json({"\n", "}"}));
  r.sampling.grammar = "root ::= \"a\"";
  EXPECT_THROW(openai_request_body(r, o), Error);  // grammar and schema together
  r.sampling.json_schema.reset();
  EXPECT_EQ(openai_request_body(r, o)["grammar"], "root ::= \"a\"");
}

TEST(HttpAnthropicBody, SystemGoesTopLevel) {
  AnthropicOptions o;
  o.model = "claude-3-5-haiku-20241022";
  auto r = request({{"system", "Be brief."}, {"user", "Q"}, {"assistant", "A"}, {"user", "Q2"}});
  r.sampling.max_tokens = 256;
  auto body = anthropic_request_body(r, o);
  EXPECT_EQ(body.dump(),
            R"({"model":"claude-3-5-haiku-20241022","max_tokens":256,"system":"Be brief.","messages":[)"
            R"({"role":"user","content":"Q"},{"role":"assistant","content":"A"},{"role":"user","content":"Q2"}],)"
            R"("temperature":0.0})");
  o.thinking = AnthropicThinking::Disabled;
  EXPECT_EQ(json(anthropic_request_body(r, o)["thinking"]), json({{"type", "disabled"}}));
  o.thinking = AnthropicThinking::Enabled;
  auto t = anthropic_request_body(r, o);
  EXPECT_EQ(json(t["thinking"]), json({{"type", "enabled"}, {"budget_tokens", 10000}}));
  EXPECT_FALSE(t.contains("temperature"));  // the API takes no temperature with extended thinking
}

TEST(HttpAnthropicBody, RefusesWhatTheApiCannotDo) {
  AnthropicOptions o;
  o.model = "c";
  auto r = request({{"user", "Q"}});
  r.sampling.json_schema = json::object();
  EXPECT_THROW(anthropic_request_body(r, o), Error);
  r = request({{"user", "Q"}});
  r.sampling.top_logprobs = 2;
  EXPECT_THROW(anthropic_request_body(r, o), Error);
  EXPECT_THROW(anthropic_request_body(request({{"user", "Q"}, {"system", "late"}}), o), Error);
  EXPECT_THROW(anthropic_request_body(request({{"system", "only"}}), o), Error);
  EXPECT_THROW(anthropic_request_body(request({{"tool", "x"}}), o), Error);
}

// ---- responses -------------------------------------------------------------------------------

TEST(HttpOpenAIResponse, ContentUsageLogprobs) {
  auto g = parse_openai_response(R"({"choices":[{"index":0,"finish_reason":"length",
      "message":{"role":"assistant","content":"yes it"},
      "logprobs":{"content":[{"token":"yes","logprob":-0.1,"top_logprobs":[{"token":"no","logprob":-2.5},{"token":"yes","logprob":-0.1}]},
                             {"token":" it","logprob":-1.0,"top_logprobs":[]}]}}],
      "usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}})");
  EXPECT_EQ(g.text, "yes it");
  EXPECT_EQ(g.finish, FinishReason::Length);
  EXPECT_EQ(g.prompt_tokens, 12);
  EXPECT_EQ(g.completion_tokens, 2);
  ASSERT_EQ(g.logprobs.size(), 2u);
  EXPECT_EQ(g.logprobs[0].token, "yes");
  ASSERT_EQ(g.logprobs[0].top.size(), 2u);
  EXPECT_EQ(g.logprobs[0].top[0].first, "yes");  // best first
  EXPECT_DOUBLE_EQ(g.logprobs[0].top[1].second, -2.5);
  g = parse_openai_response(
      R"({"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":null,"refusal":"no"}}]})");
  EXPECT_EQ(g.text, "");
  EXPECT_EQ(g.finish, FinishReason::Stop);
  EXPECT_THROW(parse_openai_response(R"({"choices":[{"message":{"content":"cut)"), Error);
  EXPECT_THROW(parse_openai_response(R"({"choices":[]})"), Error);
  EXPECT_THROW(parse_openai_response(R"({"error":{"message":"boom"}})"), Error);
}

TEST(HttpAnthropicResponse, ThinkingThenText) {
  auto g =
      parse_anthropic_response(R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
      "content":[{"type":"thinking","thinking":"Let me see.","signature":"EqQB"},
                 {"type":"redacted_thinking","data":"xyz"},
                 {"type":"text","text":"{\"answer\": \"yes\"}"}],
      "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":9}})");
  EXPECT_EQ(g.text, "Let me see.{\"answer\": \"yes\"}");  // the paper: thinking + content, no separator
  EXPECT_EQ(g.finish, FinishReason::Stop);
  EXPECT_EQ(g.prompt_tokens, 20);
  EXPECT_EQ(g.completion_tokens, 9);
  g = parse_anthropic_response(
      R"({"type":"message","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"stop_reason":"max_tokens"})");
  EXPECT_EQ(g.text, "ab");
  EXPECT_EQ(g.finish, FinishReason::Length);
  EXPECT_THROW(
      parse_anthropic_response(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"),
      Error);
  EXPECT_THROW(parse_anthropic_response(R"({"type":"message","content":[{"type":"text"}]})"), Error);
}

TEST(HttpOpenAIParse, ReasoningContentIsKeptApart) {
  auto g = parse_openai_response(R"({"choices":[{"finish_reason":"stop","message":{"role":"assistant",
      "content":"{\"answer\": \"yes\"}","reasoning_content":"The person is 45, so..."}}]})");
  EXPECT_EQ(g.text, "{\"answer\": \"yes\"}");
  EXPECT_EQ(g.reasoning, "The person is 45, so...");
}

TEST(HttpOpenAIParse, InvalidUtf8InABodyIsRepairedNotRetried) {
  // A server that cut a character in half: the bytes become U+FFFD, the rest of the reply stays.
  auto g = parse_openai_response(
      "{\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":\"caf\xc3 ok \xff\"}}]}");
  EXPECT_EQ(g.text, "caf\xEF\xBF\xBD ok \xEF\xBF\xBD");
  EXPECT_THROW(parse_openai_response("{\"choices\": \xff"), Error);  // still not JSON
}

TEST(HttpModelSpec, SecretsInUrlsAreHidden) {
  EXPECT_EQ(spec_without_secrets("openai:m@http://bob:hunter2@gpu1:8080/v1;concurrency=4"),
            "openai:m@http://***@gpu1:8080/v1;concurrency=4");
  EXPECT_EQ(spec_without_secrets("openai:a@b@http://u:p@x/v1,https://token@y/v1"),
            "openai:a@b@http://***@x/v1,https://***@y/v1");
  EXPECT_EQ(spec_without_secrets("openai:name@with@at@http://host/v1"), "openai:name@with@at@http://host/v1");
  EXPECT_EQ(spec_without_secrets("http://host/path@x"), "http://host/path@x");  // '@' in the path: not userinfo
  EXPECT_EQ(spec_without_secrets("gguf:/models/a@b.gguf"), "gguf:/models/a@b.gguf");
}

TEST(HttpRepairUtf8, ReplacesEachByteOfAnInvalidSequence) {
  EXPECT_EQ(http::repair_utf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(http::repair_utf8("a\xC3"), "a" + fffd);                            // cut at the end
  EXPECT_EQ(http::repair_utf8("\xC0\xAF"), fffd + fffd);                        // overlong
  EXPECT_EQ(http::repair_utf8("\xED\xA0\x80"), fffd + fffd + fffd);             // a surrogate
  EXPECT_EQ(http::repair_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
  EXPECT_EQ(http::repair_utf8("\xE2\x82x"), fffd + fffd + "x");
}

}  // namespace
}  // namespace sceval::llm
