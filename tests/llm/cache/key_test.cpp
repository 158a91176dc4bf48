// Response cache keys (canonical request JSON) and lossless answer JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "llm/cache/canonical.h"

namespace sceval::llm {
namespace {

using nlohmann::json;

GenerationRequest base_request() {
  GenerationRequest r;
  r.messages = {{"system", "You are a classifier."}, {"user", "Age: 30. Answer in JSON."}};
  return r;
}

std::string key_of(const GenerationRequest& r, std::string_view id = "gguf:abc;llama.cpp:123") {
  return cache_request(id, r).key;
}

TEST(CacheKey, SameRequestSameKey) {
  const auto a = base_request(), b = base_request();
  EXPECT_EQ(key_of(a), key_of(b));
  EXPECT_EQ(key_of(a).size(), 64u);
  const auto c = cache_request("id", a);
  EXPECT_EQ(c.kind, RequestKind::Generate);
  EXPECT_EQ(c.identity, "id");
  // The key is the sha256 of the canonical text, and reading that text back gives the same key.
  EXPECT_EQ(cache_key(json::parse(c.canonical)), c.key);
}

TEST(CacheKey, EveryFieldChangesTheKey) {
  const std::string k0 = key_of(base_request());
  std::vector<std::pair<std::string, GenerationRequest>> variants;
  auto add = [&](std::string what, auto change) {
    GenerationRequest r = base_request();
    change(r);
    variants.emplace_back(std::move(what), std::move(r));
  };
  add("content", [](auto& r) { r.messages[1].content += " "; });
  add("role", [](auto& r) { r.messages[0].role = "user"; });
  add("message order", [](auto& r) { std::swap(r.messages[0], r.messages[1]); });
  add("extra message", [](auto& r) { r.messages.push_back({"assistant", ""}); });
  add("dropped message", [](auto& r) { r.messages.pop_back(); });
  add("split content", [](auto& r) {  // same concatenation, different messages
    r.messages = {{"system", "You are a classifier.Age: 30."}, {"user", " Answer in JSON."}};
  });
  add("temperature", [](auto& r) { r.sampling.temperature = 0.7; });
  add("seed", [](auto& r) { r.sampling.seed = 43; });
  add("seed u64", [](auto& r) { r.sampling.seed = std::numeric_limits<std::uint64_t>::max(); });
  add("max_tokens", [](auto& r) { r.sampling.max_tokens = 999; });
  add("top_p", [](auto& r) { r.sampling.top_p = std::nextafter(1.0, 0.0); });
  add("grammar empty", [](auto& r) { r.sampling.grammar = ""; });
  add("grammar", [](auto& r) { r.sampling.grammar = "root ::= \"a\""; });
  add("json_schema", [](auto& r) { r.sampling.json_schema = json{{"type", "object"}}; });
  add("json_schema null", [](auto& r) { r.sampling.json_schema = json(); });
  add("json_schema 1.0", [](auto& r) { r.sampling.json_schema = json{{"minimum", 1.0}}; });
  add("json_schema 1", [](auto& r) { r.sampling.json_schema = json{{"minimum", 1}}; });
  add("top_logprobs", [](auto& r) { r.sampling.top_logprobs = 5; });
  add("stop", [](auto& r) { r.sampling.stop = {"\n"}; });
  add("stop two", [](auto& r) { r.sampling.stop = {"\n", "}"}; });
  add("stop other", [](auto& r) { r.sampling.stop = {"}"}; });
  add("invalid utf-8 a", [](auto& r) { r.messages[1].content = "\xff"; });
  add("invalid utf-8 b", [](auto& r) { r.messages[1].content = "\xfe"; });
  add("hex-looking text", [](auto& r) { r.messages[1].content = "ff"; });

  std::set<std::string> keys{k0};
  for (const auto& [what, r] : variants) {
    const std::string k = key_of(r);
    EXPECT_NE(k, k0) << what;
    EXPECT_TRUE(keys.insert(k).second) << what << " collides with another variant";
  }
  // Identity.
  EXPECT_NE(key_of(base_request(), "gguf:abc;llama.cpp:124"), k0);
  EXPECT_NE(key_of(base_request(), ""), k0);
}

TEST(CacheKey, ScoreRequestsDifferFromGenerationAndFromEachOther) {
  LabelScoreRequest s;
  s.messages = base_request().messages;
  s.answer_prefix = "{\"answer\": \"";
  s.options = {"Above $50,000", "Below $50,000"};
  const auto k = cache_request("id", s);
  EXPECT_EQ(k.kind, RequestKind::ScoreOptions);
  EXPECT_NE(k.key, key_of(base_request(), "id"));
  EXPECT_EQ(cache_request("id", LabelScoreRequest(s)).key, k.key);

  auto variant = [&](auto change) {
    LabelScoreRequest t = s;
    change(t);
    return cache_request("id", t).key;
  };
  EXPECT_NE(variant([](auto& t) { t.answer_prefix = "{\"answer\":\""; }), k.key);
  EXPECT_NE(variant([](auto& t) { std::swap(t.options[0], t.options[1]); }), k.key);
  EXPECT_NE(variant([](auto& t) { t.options.pop_back(); }), k.key);
  EXPECT_NE(variant([](auto& t) { t.messages[1].content = "x"; }), k.key);
  EXPECT_NE(cache_request("id2", s).key, k.key);
}

TEST(CacheKey, IndependentOfJsonObjectKeyOrder) {
  // A JSON schema written with its keys in two different orders is the same request.
  GenerationRequest a = base_request(), b = base_request();
  a.sampling.json_schema = json::parse(
      R"({"type": "object", "properties": {"answer": {"type": "string", "enum": ["A", "B"]}}, "required": ["answer"]})");
  b.sampling.json_schema = json::parse(
      R"({"required": ["answer"], "properties": {"answer": {"enum": ["A", "B"], "type": "string"}}, "type": "object"})");
  EXPECT_EQ(key_of(a), key_of(b));

  // The whole canonical request, its keys shuffled (ordered_json keeps insertion order), keys the same.
  const json canonical = canonical_request_json("id", a);
  nlohmann::ordered_json shuffled;
  std::vector<std::string> names;
  for (auto it = canonical.begin(); it != canonical.end(); ++it) names.push_back(it.key());
  std::reverse(names.begin(), names.end());
  for (const auto& n : names) shuffled[n] = canonical.at(n);
  ASSERT_NE(shuffled.dump(), canonical.dump());
  EXPECT_EQ(cache_key(json::parse(shuffled.dump())), cache_request("id", a).key);
}

TEST(CacheKey, CanonicalTextIsStable) {
  // Pinned: changing this text silently invalidates every user's cache. Bump kCacheKeyVersion instead.
  GenerationRequest r;
  r.messages = {{"user", "hi"}};
  EXPECT_EQ(cache_request("m", r).canonical,
            R"({"backend":"m","kind":"generate","messages":[{"content":"hi","role":"user"}],)"
            R"("sampling":{"max_tokens":1000,"seed":42,"temperature":0.0,"top_logprobs":0,"top_p":1.0},"v":1})");
}

TEST(CacheKey, InvalidUtf8InSchemaIsAnError) {
  GenerationRequest r = base_request();
  r.sampling.json_schema = json{{"enum", {std::string("\xc3")}}};
  EXPECT_THROW(key_of(r), Error);
}

// ---- lossless answers ----

bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;  // NaN payloads are not kept
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

double through_text(double x) { return double_from_json(json::parse(double_to_json(x).dump())); }

TEST(CacheJson, DoublesRoundTripBitForBit) {
  const double special[] = {0.0,
                            -0.0,
                            1.0,
                            -1.0,
                            0.1,
                            1.0 / 3.0,
                            1e300,
                            -1e-300,
                            std::numeric_limits<double>::min(),
                            std::numeric_limits<double>::denorm_min(),
                            -std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::lowest(),
                            std::numeric_limits<double>::epsilon(),
                            INFINITY,
                            -INFINITY,
                            NAN,
                            9007199254740993.0,
                            -2.302585092994046};
  for (double x : special) EXPECT_TRUE(same_bits(through_text(x), x)) << x;
  std::mt19937_64 rng(7);
  int failures = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = std::bit_cast<double>(rng());
    if (!same_bits(through_text(x), x)) ++failures;
    const double y = std::log(std::uniform_real_distribution<double>(0, 1)(rng));  // log-prob-like
    if (!same_bits(through_text(y), y)) ++failures;
  }
  EXPECT_EQ(failures, 0);
}

TEST(CacheJson, BytesRoundTripAndValidUtf8StaysText) {
  EXPECT_EQ(bytes_to_json("héllo ✓ 𝄞"), json("héllo ✓ 𝄞"));
  EXPECT_TRUE(bytes_to_json("\xe2\x9c").is_object());          // truncated ✓
  EXPECT_TRUE(bytes_to_json("\xc0\xaf").is_object());          // overlong
  EXPECT_TRUE(bytes_to_json("\xed\xa0\x80").is_object());      // surrogate
  EXPECT_TRUE(bytes_to_json("\xf4\x90\x80\x80").is_object());  // above U+10FFFF
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 12, '\0');
    for (auto& c : s)
      c = static_cast<char>(rng() % 4 == 0 ? 0x80 + rng() % 0x80 : (rng() % 2 ? rng() % 0x80 : rng() % 256));
    const json j = bytes_to_json(s);
    ASSERT_EQ(bytes_from_json(json::parse(j.dump())), s);
    // Our validity judgement agrees with nlohmann's serializer (which throws on invalid UTF-8).
    bool nlohmann_ok = true;
    try {
      (void)json(s).dump();
    } catch (const json::exception&) {
      nlohmann_ok = false;
    }
    ASSERT_EQ(j.is_string(), nlohmann_ok) << json(j).dump();
  }
}

TEST(CacheJson, GenerationRoundTrips) {
  Generation g;
  g.text = "{\"answer\": \"Above\xe2\x9c";  // stopped mid-character
  g.finish = FinishReason::Length;
  g.prompt_tokens = 123;
  g.completion_tokens = 7;
  g.logprobs = {{"{\"", -0.0, {{"{\"", -0.0}, {"{", -12.5}}},
                {"\xe2\x9c", -1e-310, {{"\xe2\x9c", -1e-310}, {"x", -INFINITY}}},
                {"a", std::log(0.3), {}}};
  g.error = "";
  const Generation back = generation_from_json(json::parse(generation_to_json(g).dump()));
  EXPECT_EQ(back.text, g.text);
  EXPECT_EQ(back.finish, g.finish);
  EXPECT_EQ(back.prompt_tokens, g.prompt_tokens);
  EXPECT_EQ(back.completion_tokens, g.completion_tokens);
  ASSERT_EQ(back.logprobs.size(), g.logprobs.size());
  for (std::size_t i = 0; i < g.logprobs.size(); ++i) {
    EXPECT_EQ(back.logprobs[i].token, g.logprobs[i].token);
    EXPECT_TRUE(same_bits(back.logprobs[i].logprob, g.logprobs[i].logprob));
    ASSERT_EQ(back.logprobs[i].top.size(), g.logprobs[i].top.size());
    for (std::size_t k = 0; k < g.logprobs[i].top.size(); ++k) {
      EXPECT_EQ(back.logprobs[i].top[k].first, g.logprobs[i].top[k].first);
      EXPECT_TRUE(same_bits(back.logprobs[i].top[k].second, g.logprobs[i].top[k].second));
    }
  }
  Generation err;
  err.finish = FinishReason::Error;
  err.error = "HTTP 503: overloaded";
  const Generation eb = generation_from_json(generation_to_json(err));
  EXPECT_EQ(eb.finish, FinishReason::Error);
  EXPECT_EQ(eb.error, err.error);
}

TEST(CacheJson, ScoresRoundTrip) {
  OptionScores s;
  s.logprob = {-0.10536051565782628, -2.3025850929940455, -INFINITY};
  s.probability = {0.9, 0.1, 0.0};
  s.n_tokens = {3, 4, 1};
  const OptionScores b = scores_from_json(json::parse(scores_to_json(s).dump()));
  ASSERT_EQ(b.logprob.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(same_bits(b.logprob[i], s.logprob[i]));
    EXPECT_TRUE(same_bits(b.probability[i], s.probability[i]));
  }
  EXPECT_EQ(b.n_tokens, s.n_tokens);
}

TEST(CacheJson, UnreadableAnswersNameTheField) {
  try {
    generation_from_json(json{{"text", "x"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("finish"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      scores_from_json(json{{"logprob", {"oops"}}, {"probability", json::array()}, {"n_tokens", json::array()}}),
      Error);
}

}  // namespace
}  // namespace sceval::llm
