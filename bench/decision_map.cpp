// sceval-bench-decision-map: decision-map throughput of one GGUF model on a task's turn-1 prompts,
// four ways, one after another in one run: sceval's option scoring, sceval's greedy generation,
// llama-server (4 slots) driven over HTTP by sceval's OpenAIBackend, and the prompt-processing limit
// measured by llama-bench. Prints one JSON object (bench/README.md). Built only with SCEVAL_WITH_LLAMA.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "common/error.h"
#include "ggml.h"
#include "gguf.h"
#include "grid/grid.h"
#include "llm/http/openai_backend.h"
#include "llm/llama_backend.h"
#include "llm/server_process.h"
#include "task/registry.h"
#include "task/render.h"

#ifndef SCEVAL_LLAMA_SERVER
#define SCEVAL_LLAMA_SERVER ""
#endif
#ifndef SCEVAL_LLAMA_BENCH
#define SCEVAL_LLAMA_BENCH ""
#endif

namespace sceval::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct Args {
  std::string model, task = "income";
  std::size_t points = 256;
  int threads = 0;
  std::uint64_t seed = 1;
  int max_tokens = 16;
  int slots = 4;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Peak resident set of a live process (VmHWM), in MB; 0 when unreadable.
double process_peak_rss_mb(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;  // kB
  return 0;
}

// Sum of all tensors' element counts in a GGUF file (metadata only, no weights read).
std::uint64_t gguf_parameters(const std::string& path) {
  ggml_context* meta = nullptr;
  gguf_init_params p{};
  p.no_alloc = true;
  p.ctx = &meta;
  gguf_context* g = gguf_init_from_file(path.c_str(), p);
  if (!g) throw Error(path + ": cannot read as GGUF");
  std::uint64_t n = 0;
  for (ggml_tensor* t = ggml_get_first_tensor(meta); t; t = ggml_get_next_tensor(meta, t))
    n += static_cast<std::uint64_t>(ggml_nelements(t));
  ggml_free(meta);
  gguf_free(g);
  return n;
}

// The points: a seeded sample of grid indices (in grid order), their turn-1 conversations.
std::vector<Conversation> sample_conversations(const task::Task& t, std::size_t points, std::uint64_t seed) {
  const grid::Grid g(t);
  std::vector<grid::Index> idx(g.size());
  std::iota(idx.begin(), idx.end(), grid::Index{0});
  if (points < idx.size()) {
    std::mt19937_64 rng(seed);
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(points);
    std::sort(idx.begin(), idx.end());
  }
  std::vector<Conversation> convs;
  for (grid::Index i : idx) convs.push_back(task::turn1_messages(t, g.record(i)));
  return convs;
}

// The same greedy requests for the in-process engine and for llama-server, so both do equal work.
std::vector<llm::GenerationRequest> greedy_requests(const std::vector<Conversation>& convs, int max_tokens) {
  std::vector<llm::GenerationRequest> out;
  for (const auto& c : convs) {
    llm::GenerationRequest r{c, {}};
    r.sampling.temperature = 0;
    r.sampling.max_tokens = max_tokens;
    out.push_back(std::move(r));
  }
  return out;
}

// Token counts of the prompts: the prefix common to all, and what each point must evaluate itself.
struct PromptShape {
  double prefix = 0, mean = 0, unshared_total = 0;
  std::size_t longest = 0;
};

PromptShape prompt_shape(const llm::LlamaBackend& b, const std::vector<Conversation>& convs) {
  std::vector<std::vector<std::int32_t>> toks;
  for (const auto& c : convs) toks.push_back(b.tokenize(b.render(c)));
  std::size_t common = toks.empty() ? 0 : toks[0].size();
  PromptShape s;
  double total = 0;
  for (const auto& tk : toks) {
    std::size_t k = 0;
    while (k < common && k < tk.size() && tk[k] == toks[0][k]) ++k;
    common = k;
    s.longest = std::max(s.longest, tk.size());
    total += static_cast<double>(tk.size());
  }
  s.prefix = static_cast<double>(common);
  s.mean = total / static_cast<double>(convs.size());
  s.unshared_total = total - s.prefix * static_cast<double>(convs.size());
  return s;
}

// Phases 1 + 2: sceval in-process, scoring then greedy generation, on one backend.
PromptShape in_process(const Args& a, const task::Task& t, const std::vector<Conversation>& convs, int threads,
                       ordered_json& j) {
  llm::LlamaOptions lo;
  lo.model_path = a.model;
  lo.n_threads = threads;
  llm::LlamaBackend b(lo);
  const PromptShape shape = prompt_shape(b, convs);
  j["n_parallel"] = b.options().n_parallel;
  j["n_ctx"] = b.options().n_ctx;
  const double dn = static_cast<double>(convs.size());

  std::vector<LabelScoreRequest> sreq;
  for (const auto& c : convs) sreq.push_back({c, "{\"" + t.answer_key + "\": \"", t.options});
  std::cerr << "  scoring...\n";
  auto t0 = std::chrono::steady_clock::now();
  auto before = b.stats();
  b.score_options(sreq);
  const double score_s = seconds_since(t0);
  j["scoring_seconds"] = round_to(score_s, 3);
  j["scoring_tokens_evaluated"] = b.stats().tokens_evaluated - before.tokens_evaluated;

  const auto greq = greedy_requests(convs, a.max_tokens);
  std::cerr << "  generation...\n";
  before = b.stats();
  t0 = std::chrono::steady_clock::now();
  auto gens = b.generate(greq);
  const double gen_s = seconds_since(t0);
  std::size_t gen_tokens = 0, gen_errors = 0;
  for (const auto& r : gens)
    gen_tokens += static_cast<std::size_t>(r.completion_tokens), gen_errors += r.finish == llm::FinishReason::Error;
  j["generation_seconds"] = round_to(gen_s, 3);
  j["generation_tokens"] = gen_tokens;
  j["generation_errors"] = gen_errors;
  j["generation_tokens_evaluated"] = b.stats().tokens_evaluated - before.tokens_evaluated;
  j["scoring_points_per_s"] = round_to(dn / score_s, 3);
  j["generation_points_per_s"] = round_to(dn / gen_s, 3);
  return shape;
}

// Phase 3: llama-server with `slots` slots, driven by OpenAIBackend with `slots` requests in flight.
// Returns the server's peak RSS in MB.
double through_llama_server(const Args& a, const std::string& server_bin, const std::vector<Conversation>& convs,
                            const PromptShape& shape, int threads, const fs::path& dir, ordered_json& j) {
  const int per_slot = static_cast<int>(shape.longest) + a.max_tokens + 64;
  const int server_ctx = a.slots * per_slot;
  llm::LlamaServerOptions so;
  so.binary = server_bin;
  so.model = a.model;
  so.parallel = a.slots;
  so.n_ctx = server_ctx;
  so.threads = threads;
  so.warmup = true;
  so.startup_timeout_s = 120;
  so.log = (dir / "llama-server.log").string();
  llm::LlamaServerProcess server(so);
  llm::OpenAIOptions oo;
  oo.model = "bench";
  oo.base_url = fmt::format("http://127.0.0.1:{}/v1", server.port());
  oo.api_key_env = "SCEVAL_BENCH_DECISION_MAP_NO_KEY";
  oo.transport.concurrency = a.slots;
  llm::OpenAIBackend http(oo);
  const auto greq = greedy_requests(convs, a.max_tokens);
  std::cerr << fmt::format("  llama-server ({} slots, -c {}, port {})...\n", a.slots, server_ctx, server.port());
  const auto t0 = std::chrono::steady_clock::now();
  auto gens = http.generate(greq);
  const double s = seconds_since(t0);
  std::size_t toks = 0, errors = 0;
  std::string first_error;
  for (const auto& r : gens) {
    toks += static_cast<std::size_t>(r.completion_tokens);
    if (r.finish == llm::FinishReason::Error && errors++ == 0) first_error = r.error;
  }
  const double server_rss = process_peak_rss_mb(server.pid());
  server.stop();
  j["llama_server_seconds"] = round_to(s, 3);
  j["llama_server_tokens"] = toks;
  j["llama_server_errors"] = errors;
  if (errors) j["llama_server_first_error"] = first_error;
  j["llama_server_ctx"] = server_ctx;
  j["llama_server_slots"] = a.slots;
  j["llama_server_points_per_s"] = round_to(static_cast<double>(convs.size()) / s, 3);
  return server_rss;
}

// Phase 4: llama-bench's prompt-processing rate (tokens/s) at the typical prompt length.
double llama_bench_pp(const Args& a, const std::string& bench_bin, int prompt_tokens, int threads, const fs::path& dir,
                      ordered_json& j) {
  const std::string out = (dir / "llama-bench.json").string();
  std::vector<std::string> argv{
      bench_bin, "-m",  a.model, "-p", std::to_string(prompt_tokens), "-n", "0", "-t", std::to_string(threads),
      "-o",      "json"};
  std::cerr << "  llama-bench -p " << prompt_tokens << "...\n";
  llm::ChildProcess bench(argv, out);
  if (bench.wait() != 0) throw Error("llama-bench failed:\n" + read_text(out));
  const std::string text = read_text(out);
  const auto start = text.find('[');  // the log may precede the JSON
  double pp = 0;
  try {
    auto arr = nlohmann::json::parse(text.substr(start == std::string::npos ? 0 : start));
    pp = arr.at(0).at("avg_ts").get<double>();
  } catch (const std::exception& e) {
    throw Error(std::string("cannot read llama-bench's JSON: ") + e.what() + "\n" + text);
  }
  std::vector<std::string> shown(argv.begin() + 1, argv.end());
  j["llama_bench_command"] = "llama-bench " + fmt::format("{}", fmt::join(shown, " "));
  return pp;
}

// The limit and the ratios between the engines, memory and model size.
void summarize(const Args& a, const PromptShape& shape, std::size_t n, double pp, double self_rss, double server_rss,
               ordered_json& j) {
  const double unshared_per_point = shape.unshared_total / static_cast<double>(n);
  j["prefix_tokens"] = static_cast<std::int64_t>(shape.prefix);
  j["mean_prompt_tokens"] = round_to(shape.mean, 2);
  j["mean_unshared_prompt_tokens"] = round_to(unshared_per_point, 2);
  j["llama_bench_pp_tok_s"] = round_to(pp, 2);
  j["limit_points_per_s"] = round_to(pp / unshared_per_point, 3);
  const double sc = j["scoring_points_per_s"].get<double>(), ge = j["generation_points_per_s"].get<double>(),
               ls = j["llama_server_points_per_s"].get<double>(), li = j["limit_points_per_s"].get<double>();
  j["scoring_vs_llama_server"] = round_to(sc / ls, 2);
  j["limit_vs_scoring"] = round_to(li / sc, 2);
  j["generation_vs_llama_server"] = round_to(ge / ls, 2);
  j["peak_rss_mb"] = round_to(self_rss, 1);
  j["llama_server_peak_rss_mb"] = round_to(server_rss, 1);
  j["children_peak_rss_mb"] = round_to(peak_rss_mb(RUSAGE_CHILDREN), 1);
  j["model_parameters"] = gguf_parameters(a.model);
}

void run(const Args& a) {
  if (a.max_tokens < 1) throw Error("--max-tokens must be at least 1");
  const std::string server_bin = llm::find_tool("SCEVAL_LLAMA_SERVER", SCEVAL_LLAMA_SERVER);
  const std::string bench_bin = llm::find_tool("SCEVAL_LLAMA_BENCH", SCEVAL_LLAMA_BENCH);
  if (server_bin.empty())
    throw Error("llama-server not found: set $SCEVAL_LLAMA_SERVER or build target sceval_llama_tools");
  if (bench_bin.empty())
    throw Error("llama-bench not found: set $SCEVAL_LLAMA_BENCH or build target sceval_llama_tools");

  const task::Task t = task::resolve_task(a.task);
  const auto convs = sample_conversations(t, a.points, a.seed);
  const std::size_t n = convs.size();
  const int threads = a.threads > 0 ? a.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ordered_json j{{"model", a.model},           {"task", t.name},    {"points", n}, {"seed", a.seed},
                 {"max_tokens", a.max_tokens}, {"threads", threads}};
  std::cerr << fmt::format("sceval-bench-decision-map: {} points of {}, max_tokens {}, {} threads\n", n, t.name,
                           a.max_tokens, threads);

  const PromptShape shape = in_process(a, t, convs, threads, j);
  const double self_rss = peak_rss_mb(RUSAGE_SELF);
  const fs::path dir = fs::temp_directory_path() / fmt::format("sceval-bench-dm-{}", ::getpid());
  fs::create_directories(dir);
  const double server_rss = through_llama_server(a, server_bin, convs, shape, threads, dir, j);
  const double pp = llama_bench_pp(a, bench_bin, static_cast<int>(std::lround(shape.mean)), threads, dir, j);
  std::error_code ec;
  fs::remove_all(dir, ec);
  summarize(a, shape, n, pp, self_rss, server_rss, j);
  std::cout << j.dump() << std::endl;
}

void add_options(CLI::App& app, Args& a) {
  app.add_option("--model", a.model, "GGUF model file")->required()->check(CLI::ExistingFile);
  app.add_option("--task", a.task, "task name or file")->capture_default_str();
  app.add_option("--points", a.points, "grid points, a seeded sample (all when the grid is smaller)")
      ->capture_default_str();
  app.add_option("--threads", a.threads, "CPU threads for every engine (0: all)")->capture_default_str();
  app.add_option("--seed", a.seed, "seed of the point sample")->capture_default_str();
  app.add_option("--max-tokens", a.max_tokens, "tokens per generated answer (the paper: 1000)")->capture_default_str();
  app.add_option("--slots", a.slots, "llama-server slots and concurrent requests")->capture_default_str();
}

}  // namespace
}  // namespace sceval::bench

int main(int argc, char** argv) {
  CLI::App app{
      "sceval-bench-decision-map: decision-map throughput on a task's turn-1 prompts: sceval scoring, sceval "
      "greedy generation, llama-server (4 slots, over HTTP) and the llama-bench prompt-processing limit, one "
      "after another; prints one JSON object"};
  sceval::bench::Args a;
  sceval::bench::add_options(app, a);
  return sceval::bench::run_program("sceval-bench-decision-map", app, argc, argv, [&] { sceval::bench::run(a); });
}
