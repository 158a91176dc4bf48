// `sceval run` end to end through the OpenAI-compatible backend against a real llama-server
// (started by the test), the CLI run as a child process:
//  (a) through the fault-injecting proxy (30% of attempts: 429 + Retry-After, 500, 503, a hang past
//      the timeout, truncated JSON, a body cut short, a 200 that is not JSON): the run completes and
//      writes the same results as a fault-free run;
//  (b) garbage model replies (empty, huge, non-UTF-8, no JSON, broken JSON, null content) are
//      recorded with their typed parse status, and the run completes;
//  (c) SIGKILL at random moments, then the same command again: identical files, and only the
//      requests in flight at each kill reach the server twice.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "http/fault_proxy.h"
#include "http/server_fixture.h"

#ifndef SCEVAL_CLI
#define SCEVAL_CLI ""
#endif

namespace sceval::testing {
namespace {

using nlohmann::json;

constexpr int kConcurrency = 4;

std::string sceval_cli() {
  const char* e = std::getenv("SCEVAL_CLI");
  std::string p = e && *e ? e : SCEVAL_CLI;
  std::error_code ec;
  return !p.empty() && std::filesystem::is_regular_file(p, ec) ? p : std::string();
}

// llama-server computing each request on its own, so that equal requests get equal answers
// whatever else is in flight: one slot, no prompt cache (a cached prefix would be reused with
// another batch shape), F32 KV cache and no flash attention. With several slots llama-server
// decodes concurrent requests in one batch, and its default kernels then round differently,
// which flips greedy choices at near-ties (see docs/cache.md, "Resuming").
LlamaServer& exact_server(const SharedLlamaServer& env) {
  static LlamaServer server(llama_server_binary(), env.model, 1, 4096,
                            {"--no-cache-prompt", "-fa", "off", "-ctk", "f32", "-ctv", "f32"});
  return server;
}

#define SCEVAL_REQUIRE_CLI_AND_SERVER(env)                                                              \
  SCEVAL_REQUIRE_LLAMA_SERVER(shared);                                                                  \
  if (sceval_cli().empty()) GTEST_SKIP() << "no sceval binary (SCEVAL_CLI): built with llama.cpp only"; \
  LlamaServer& env = exact_server(shared)

// The arguments of one run of the small 3-way task; `url` is the server's (or the proxy's) base URL.
std::vector<std::string> run_args(const std::string& url, const std::string& out, const std::string& cache,
                                  const std::string& settings = "") {
  return {sceval_cli(),   "run",
          "--task",       "credit_risk_3way",
          "--model",      "openai:test-model@" + url + ";concurrency=" + std::to_string(kConcurrency) + settings,
          "--limit",      "30",
          "--max-tokens", "16",
          "--chunk",      "64",
          "--cache",      cache,
          "-o",           out};
}

int run_cli(const std::vector<std::string>& args, const std::string& log) {
  ChildProcess p(args, log);
  return p.wait();
}

std::string slurp(const std::string& path) { return read_text_file(path); }

// results.json without what may differ between equal runs: timing, the model's URL, the output path.
json comparable_results(const std::string& dir) {
  json r = json::parse(slurp(dir + "/results.json"));
  r.erase("timing");
  r.erase("model");
  r["settings"].erase("model");
  r["settings"].erase("output");
  return r;
}

// The replies of samples.jsonl, in order.
std::vector<std::string> responses(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in(dir + "/samples.jsonl");
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line).value("response", ""));
  return out;
}

void expect_same_run(const std::string& a, const std::string& b) {
  EXPECT_EQ(slurp(a + "/decision_map.csv"), slurp(b + "/decision_map.csv"));
  EXPECT_EQ(slurp(a + "/sces.csv"), slurp(b + "/sces.csv"));
  EXPECT_EQ(comparable_results(a), comparable_results(b));
  const auto ra = responses(a), rb = responses(b);
  ASSERT_EQ(ra.size(), rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) EXPECT_EQ(ra[i], rb[i]) << "samples.jsonl line " << i + 1;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string whole_body(const ServerRequest& r) { return r.body; }

// 30% of the first three attempts at each request fail, each way equally often; later ones pass.
Fault thirty_percent(const std::string& key, int attempt) {
  if (attempt > 3) return Fault::forward();
  const std::uint64_t h = fnv1a(key + "#" + std::to_string(attempt));
  if (h % 100 >= 30) return Fault::forward();
  switch ((h / 100) % 7) {
    case 0:
      return Fault::respond(429, R"({"error":{"message":"rate limited"}})", {{"Retry-After", "1"}});
    case 1:
      return Fault::respond(500);
    case 2:
      return Fault::respond(503);
    case 3:
      return Fault::hang(8);  // past the client's 4 s timeout
    case 4:
      return Fault::truncated_json();
    case 5:
      return Fault::cut_connection();
    default:
      return Fault::respond(200, "<html>502 Bad Gateway</html>");  // 200, but not JSON
  }
}

TEST(HttpRun, FaultsDoNotChangeResults) {
  SCEVAL_REQUIRE_CLI_AND_SERVER(env);
  ScratchDir dir;
  const std::string direct = env.base_url();
  ASSERT_TRUE(
      run_finished(run_cli(run_args(direct, dir.file("clean"), dir.file("clean.sqlite")), dir.file("clean.log"))))
      << slurp(dir.file("clean.log"));

  FaultProxy proxy(env.port(), thirty_percent, whole_body);
  const std::string retry = ";timeout=4;max_attempts=6;backoff=0.05;max_backoff=0.3";
  const int rc = run_cli(run_args(proxy.url() + "/v1", dir.file("faulty"), dir.file("faulty.sqlite"), retry),
                         dir.file("faulty.log"));
  ASSERT_TRUE(run_finished(rc)) << rc << ": " << slurp(dir.file("faulty.log"));
  expect_same_run(dir.file("clean"), dir.file("faulty"));

  std::map<Fault::Kind, int> kinds;
  std::set<std::string> keys;
  for (const auto& e : proxy.events()) ++kinds[e.fault], keys.insert(e.key);
  const std::size_t faults = proxy.events().size() - static_cast<std::size_t>(kinds[Fault::Kind::Forward]);
  EXPECT_GT(faults, keys.size() / 5) << "fewer faults than scheduled";
  for (auto k : {Fault::Kind::Status, Fault::Kind::Hang, Fault::Kind::TruncatedJson, Fault::Kind::CutConnection})
    EXPECT_GT(kinds[k], 0) << to_string(k);
  const json r = json::parse(slurp(dir.file("faulty") + "/results.json"));
  EXPECT_EQ(r["requests"]["failed"], 0);
  EXPECT_TRUE(r["complete"].get<bool>());
  std::cout << "[ measured ] " << keys.size() << " requests, " << proxy.events().size() << " attempts at the proxy, "
            << faults << " faults injected\n";
}

// A chat.completion whose content is `content` (raw JSON text of the value, so it may be null or hold
// bytes that are not UTF-8).
std::string completion(const std::string& content_json) {
  return R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":)" +
         content_json + R"(},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5}})";
}

struct Garbage {
  std::string name, content_json, status;  // status: the typed parse status sces.csv must show
};

const std::vector<Garbage>& garbage() {
  static const std::vector<Garbage> g = {
      {"empty", R"("")", "no_json"},
      {"null", "null", "no_json"},
      {"no json", R"("I would rather not say.")", "no_json"},
      {"huge", "\"" + std::string(3 << 20, 'z') + "\"", "no_json"},
      {"non-UTF-8", "\"caf\xe9 \xff\xfe \xc3\"", "no_json"},
      {"broken json", R"("{\"annual_income\": 50, \"payment_history\": ")", "malformed_json"},
      {"wrong keys", R"("{\"salary\": 50}")", "missing_key"},
  };
  return g;
}

TEST(HttpRun, GarbageRepliesGetTypedParseStatus) {
  SCEVAL_REQUIRE_CLI_AND_SERVER(env);
  ScratchDir dir;
  // Follow-ups (more than one message) get garbage, by turns; everything else is forwarded.
  std::mutex m;
  std::map<std::string, std::size_t> kind_of;  // follow-up body -> garbage kind
  FaultProxy proxy(
      env.port(),
      [&](const std::string& key, int) {
        if (json::parse(key)["messages"].size() < 2) return Fault::forward();
        std::lock_guard lock(m);
        auto [it, fresh] = kind_of.emplace(key, kind_of.size() % garbage().size());
        return Fault::respond(200, completion(garbage()[it->second].content_json));
      },
      whole_body);
  const int rc = run_cli(run_args(proxy.url() + "/v1", dir.file("run"), dir.file("c.sqlite")), dir.file("run.log"));
  ASSERT_TRUE(run_finished(rc)) << rc << ": " << slurp(dir.file("run.log"));

  // Each follow-up's status in sces.csv is the one its garbage calls for.
  std::ifstream in(dir.file("run") + "/samples.jsonl");
  std::vector<std::string> followup_keys;
  for (std::string line; std::getline(in, line);) {
    json s = json::parse(line);
    if (s["stage"] == "followup") followup_keys.push_back(s["messages"].dump());
  }
  const sceval::Table sces = csv::read_file(dir.file("run") + "/sces.csv");
  const std::size_t status_col = sces.require_column("status");
  std::vector<std::string> statuses;
  for (const auto& row : sces.rows) statuses.push_back(row[status_col]);
  ASSERT_EQ(statuses.size(), kind_of.size());
  std::map<std::string, int> seen;
  std::lock_guard lock(m);
  for (const auto& [key, kind] : kind_of) {
    // The proxy's key is the whole body; find the follow-up's position by its messages.
    const json messages = json::parse(key)["messages"];
    auto pos = std::find(followup_keys.begin(), followup_keys.end(), messages.dump()) - followup_keys.begin();
    ASSERT_LT(static_cast<std::size_t>(pos), statuses.size());
    EXPECT_EQ(statuses[pos], garbage()[kind].status) << garbage()[kind].name;
    ++seen[garbage()[kind].name];
  }
  EXPECT_EQ(seen.size(), garbage().size());
}

TEST(HttpRun, KillAndResumeResendsOnlyRequestsInFlight) {
  SCEVAL_REQUIRE_CLI_AND_SERVER(env);
  ScratchDir dir;
  // Reference: uninterrupted, through a counting pass-through proxy.
  FaultProxy counter(
      env.port(), [](const std::string&, int) { return Fault::forward(); }, whole_body);
  const std::string url = counter.url() + "/v1";
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_finished(run_cli(run_args(url, dir.file("full"), dir.file("full.sqlite")), dir.file("full.log"))))
      << slurp(dir.file("full.log"));
  const double full_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::size_t distinct = counter.events().size();

  std::random_device rd;
  const unsigned seed = rd();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> moment(0.05 * full_seconds, 0.8 * full_seconds);
  const std::size_t before = counter.events().size();
  int kills = 0;
  for (int k = 0; k < 3; ++k) {
    ChildProcess p(run_args(url, dir.file("killed"), dir.file("killed.sqlite")), dir.file("killed.log"));
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
    if (p.running()) {
      p.kill_now();
      ++kills;
    }
  }
  ASSERT_TRUE(
      run_finished(run_cli(run_args(url, dir.file("killed"), dir.file("killed.sqlite")), dir.file("resumed.log"))))
      << slurp(dir.file("resumed.log"));
  expect_same_run(dir.file("full"), dir.file("killed"));

  // Every distinct request reached the server once, plus at most the requests in flight at each kill.
  const std::size_t sent = counter.events().size() - before;
  EXPECT_GE(sent, distinct);
  EXPECT_LE(sent, distinct + static_cast<std::size_t>(kills * kConcurrency)) << "seed " << seed;
  std::cout << "[ measured ] seed " << seed << ": " << kills << " kills; " << distinct << " requests, " << sent
            << " sent across the killed and resumed runs; uninterrupted run " << full_seconds << " s\n";
}

// --with-history: follow-ups answered by the proxy with a fixed on-grid SCE, and the with-history
// question (5 messages: follow-up chat, the SCE reply, the SCE's turn-1 question) with a label the
// proxy picks; sces.csv and results.json must report exactly those labels, and the fresh-context
// results must be those of the same run without --with-history.
TEST(HttpRun, WithHistoryAsksInTheSameChat) {
  SCEVAL_REQUIRE_CLI_AND_SERVER(env);
  ScratchDir dir;
  const std::vector<std::string> options = {"Low risk", "Medium risk", "High risk"};
  std::mutex m;
  std::map<std::string, std::string> said;  // with-history messages -> label the proxy answered
  FaultProxy proxy(
      env.port(),
      [&](const std::string& key, int) {
        const json messages = json::parse(key)["messages"];
        if (messages.size() == 3) {  // follow-up: an SCE on the grid
          return Fault::respond(
              200,
              completion(
                  json(
                      R"({"annual_income": 60, "payment_history": "Always paid on time, 5+ years of history", "employment": "Salaried"})")
                      .dump()));
        }
        if (messages.size() == 5) {
          EXPECT_EQ(messages[3]["role"], "assistant");
          EXPECT_NE(messages[4]["content"].get<std::string>().find("Always paid on time"), std::string::npos);
          std::lock_guard lock(m);
          const std::string label = options[fnv1a(messages.dump()) % 3];
          said[messages.dump()] = label;
          return Fault::respond(200, completion(json("{\"answer\": \"" + label + "\"}").dump()));
        }
        return Fault::forward();
      },
      whole_body);
  const std::string url = proxy.url() + "/v1";
  auto args = run_args(url, dir.file("plain"), dir.file("c.sqlite"));
  ASSERT_TRUE(run_finished(run_cli(args, dir.file("plain.log")))) << slurp(dir.file("plain.log"));
  args = run_args(url, dir.file("hist"), dir.file("c.sqlite"));
  args.push_back("--with-history");
  ASSERT_TRUE(run_finished(run_cli(args, dir.file("hist.log")))) << slurp(dir.file("hist.log"));

  // Fresh-context results unchanged.
  json plain = comparable_results(dir.file("plain")), hist = comparable_results(dir.file("hist"));
  EXPECT_EQ(plain["paper"], hist["paper"]);
  EXPECT_EQ(plain["strict"], hist["strict"]);
  EXPECT_FALSE(plain.contains("with_history"));

  // (index, target) -> the label the proxy gave in the same chat
  std::map<std::pair<std::string, std::string>, std::string> expected;
  std::ifstream in(dir.file("hist") + "/samples.jsonl");
  for (std::string line; std::getline(in, line);) {
    json s = json::parse(line);
    if (s["stage"] != "with_history") continue;
    std::lock_guard lock(m);
    expected[{std::to_string(s["index"].get<long>()), s["target"].get<std::string>()}] = said.at(s["messages"].dump());
  }
  const sceval::Table sces = csv::read_file(dir.file("hist") + "/sces.csv");
  const auto idx = sces.require_column("index"), tgt = sces.require_column("target"),
             hl = sces.require_column("history_label"), hv = sces.require_column("history_valid");
  ASSERT_EQ(expected.size(), sces.rows.size());
  std::size_t valid = 0;
  for (const auto& row : sces.rows) {
    const std::string& want = expected.at({row[idx], row[tgt]});
    EXPECT_EQ(row[hl], want);
    EXPECT_EQ(row[hv], want == row[tgt] ? "1" : "0");
    valid += want == row[tgt];
  }
  const json wh = hist["with_history"];
  EXPECT_EQ(wh["n"], sces.rows.size());
  EXPECT_EQ(wh["valid"], valid);
  EXPECT_DOUBLE_EQ(wh["validity"].get<double>(), static_cast<double>(valid) / static_cast<double>(sces.rows.size()));
  const auto plain_cols = csv::read_file(dir.file("plain") + "/sces.csv");
  EXPECT_FALSE(plain_cols.column("history_label").has_value());
}

// Several base URLs for one model: requests go round robin (two pass-through proxies in front of the
// same server), and the answers are the same as from one URL.
TEST(HttpRun, SeveralBaseUrlsRoundRobin) {
  SCEVAL_REQUIRE_CLI_AND_SERVER(env);
  ScratchDir dir;
  auto pass = [](const std::string&, int) { return Fault::forward(); };
  FaultProxy a(env.port(), pass, whole_body), b(env.port(), pass, whole_body);
  ASSERT_TRUE(
      run_finished(run_cli(run_args(env.base_url(), dir.file("one"), dir.file("one.sqlite")), dir.file("one.log"))));
  auto two = run_args(a.url() + "/v1," + b.url() + "/v1", dir.file("two"), dir.file("two.sqlite"));
  two.push_back("--quiet");
  ASSERT_TRUE(run_finished(run_cli(two, dir.file("two.log")))) << slurp(dir.file("two.log"));
  // Progress: plain lines when stderr is not a terminal (here a file), none with --quiet.
  const std::string one_log = slurp(dir.file("one.log")), two_log = slurp(dir.file("two.log"));
  EXPECT_NE(one_log.find("decision_map 210/210 (100%)"), std::string::npos) << one_log;
  EXPECT_NE(one_log.find("followup 30/30 (100%)"), std::string::npos) << one_log;
  EXPECT_NE(one_log.find("| cache hits 0 | failed 0"), std::string::npos) << one_log;
  EXPECT_EQ(one_log.find('\r'), std::string::npos);  // no bar redrawn in place
  EXPECT_EQ(two_log.find("decision_map"), std::string::npos) << two_log;
  EXPECT_EQ(two_log.find("requests:"), std::string::npos) << two_log;
  expect_same_run(dir.file("one"), dir.file("two"));
  const std::size_t na = a.events().size(), nb = b.events().size();
  EXPECT_EQ(na + nb, responses(dir.file("two")).size());
  EXPECT_LE(na > nb ? na - nb : nb - na, 1u) << na << " vs " << nb;
}

}  // namespace
}  // namespace sceval::testing
