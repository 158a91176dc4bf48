// Model: the one factory from a spec (gguf:, openai:, anthropic:) or from functions to a Backend.
#include "sceval/model.h"

#include <fmt/format.h>

#include "common/error.h"
#include "llm/backend.h"
#include "llm/function_backend.h"
#include "llm/http/model_spec.h"
#ifdef SCEVAL_WITH_LLAMA
#include "llm/llama_backend.h"
#endif

namespace sceval {

struct Model::Impl {
  std::unique_ptr<llm::Backend> backend;
  nlohmann::json info;
};

namespace {

std::unique_ptr<llm::Backend> gguf_backend(const std::string& path, const Options& o) {
#ifdef SCEVAL_WITH_LLAMA
  llm::LlamaOptions lo;
  lo.model_path = path;
  lo.n_threads = static_cast<int>(o.threads);
  lo.n_ctx = static_cast<int>(o.ctx);
  lo.n_parallel = static_cast<int>(o.parallel);
  lo.n_batch = static_cast<int>(o.batch);
  lo.chat_template = o.chat_template.value_or("");
  lo.reference_mode = o.reference_mode;
  return std::make_unique<llm::LlamaBackend>(lo);
#else
  (void)path;
  (void)o;
  throw Error("this sceval was built without llama.cpp (SCEVAL_WITH_LLAMA=OFF): gguf: models are unavailable");
#endif
}

// Batch states and counts on stderr at log level info or above; nothing under --quiet/warn/error.
llm::AttemptLog batch_progress(const Options& o) {
  if (o.quiet || o.log_level == "error" || o.log_level == "warn") return {};
  return [](const std::string& line) { fmt::print(stderr, "\n{}\n", line); };
}

}  // namespace

Model Model::open(const std::string& spec, const Options& options, std::function<void(const std::string&)> log) {
  auto impl = std::make_shared<Impl>();
  if (spec.starts_with("gguf:")) {
    impl->backend = gguf_backend(spec.substr(5), options);
    impl->info = {{"kind", "gguf"}, {"path", spec.substr(5)}};
  } else if (llm::is_http_model_spec(spec)) {
    auto parsed = llm::parse_model_spec(spec);
    impl->backend = llm::make_http_backend(parsed, log, batch_progress(options));
    impl->info = {
        {"kind", parsed.provider}, {"model", parsed.model}, {"base_url", llm::spec_without_secrets(parsed.base_url)}};
  } else {
    throw Error(fmt::format("unknown model spec \"{}\": expected gguf:PATH, openai:MODEL@BASE_URL or anthropic:MODEL",
                            llm::spec_without_secrets(spec)));
  }
  impl->info["spec"] = llm::spec_without_secrets(spec);  // keys come from environment variables, never from specs
  impl->info["identity"] = llm::spec_without_secrets(impl->backend->identity());
  Model m;
  m.impl_ = std::move(impl);
  return m;
}

Model Model::from_functions(const std::string& identity, GenerateFunction generate, ScoreFunction score) {
  if (!generate) throw Error("Model::from_functions: a generate function is required");
  llm::GenerateFn g = [generate](std::span<const llm::GenerationRequest> batch) {
    std::vector<Conversation> convs;
    for (const auto& r : batch) convs.push_back(r.messages);
    // One sampling setting per call: the protocol sends a stage's requests with the same one.
    return generate(convs, batch.empty() ? GenerateOptions{} : batch.front().sampling);
  };
  llm::ScoreFn s;
  if (score)
    s = [score](std::span<const LabelScoreRequest> batch) {
      return score(std::vector<LabelScoreRequest>(batch.begin(), batch.end()));
    };
  auto impl = std::make_shared<Impl>();
  impl->backend = std::make_unique<llm::FunctionBackend>(identity, std::move(g), std::move(s));
  impl->info = {{"kind", "function"}, {"spec", "function:" + identity}, {"identity", impl->backend->identity()}};
  Model m;
  m.impl_ = std::move(impl);
  return m;
}

const nlohmann::json& Model::info() const { return impl_->info; }
std::string Model::identity() const { return impl_->backend->identity(); }
bool Model::supports_scoring() const { return impl_->backend->supports_scoring(); }
llm::Backend& Model::backend() { return *impl_->backend; }

std::vector<Reply> Model::generate(const std::vector<Conversation>& conversations, const GenerateOptions& o) {
  std::vector<llm::GenerationRequest> reqs;
  for (const auto& c : conversations) reqs.push_back({c, o});
  std::vector<Reply> out;
  for (auto& g : impl_->backend->generate(reqs))
    out.push_back({std::move(g.text), g.finish == llm::FinishReason::Error, std::move(g.error)});
  return out;
}

std::vector<std::vector<double>> Model::score(const std::vector<LabelScoreRequest>& requests) {
  std::vector<std::vector<double>> out;
  for (auto& s : impl_->backend->score_options(requests)) out.push_back(std::move(s.logprob));
  return out;
}

}  // namespace sceval
