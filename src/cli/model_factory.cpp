#include "cli/model_factory.h"

#include <fmt/format.h>

#include "common/error.h"
#include "llm/http/backend_common.h"
#include "llm/http/batch_backend.h"
#include "llm/http/model_spec.h"
#ifdef SCEVAL_WITH_LLAMA
#include "llm/llama_backend.h"
#endif

namespace sceval::cli {

namespace {

std::unique_ptr<llm::Backend> http_backend(const llm::ModelSpec& parsed, const AttemptLog& attempt_log) {
  if (llm::batch_options(parsed).enabled) {  // batch=1: states and counts on stderr, ids at debug level
    auto b = llm::make_batch_backend(parsed);
    b->options().on_event = [attempt_log](const llm::BatchEvent& e) {
      if (attempt_log) attempt_log(e.debug_line());
      else if (e.kind != llm::BatchEvent::Kind::Waiting) fmt::print(stderr, "\n{}\n", e.line());
    };
    return b;
  }
  if (!attempt_log) return llm::make_http_backend(parsed);
  auto hook = [attempt_log](const std::string& key_env) {
    const std::string key = llm::http::read_env(key_env);
    return [attempt_log, key](const llm::http::AttemptEvent& e) {
      if (e.ok) return;
      std::string line = fmt::format("request {} attempt {}: {}", e.index, e.attempt, e.reason);
      if (e.will_retry) line += fmt::format("; retrying in {:.2f} s", e.delay_s);
      attempt_log(llm::http::redact(line, key));
    };
  };
  if (parsed.provider == "openai") {
    auto o = llm::openai_options(parsed);
    o.transport.on_attempt = hook(o.api_key_env);
    return std::make_unique<llm::OpenAIBackend>(o);
  }
  auto o = llm::anthropic_options(parsed);
  o.transport.on_attempt = hook(o.api_key_env);
  return std::make_unique<llm::AnthropicBackend>(o);
}

}  // namespace

Model make_model(const std::string& spec, const LocalModelOptions& local, const AttemptLog& attempt_log) {
  Model m;
  if (spec.starts_with("gguf:")) {
#ifdef SCEVAL_WITH_LLAMA
    llm::LlamaOptions o;
    o.model_path = spec.substr(5);
    o.n_threads = local.threads;
    o.n_ctx = local.ctx;
    o.n_parallel = local.parallel;
    o.n_batch = local.batch;
    o.chat_template = local.chat_template;
    o.reference_mode = local.reference_mode;
    m.backend = std::make_unique<llm::LlamaBackend>(o);
    m.info = {{"kind", "gguf"}, {"path", o.model_path}};
#else
    (void)local;
    throw Error("this sceval was built without llama.cpp (SCEVAL_WITH_LLAMA=OFF): gguf: models are unavailable");
#endif
  } else if (llm::is_http_model_spec(spec)) {
    auto parsed = llm::parse_model_spec(spec);
    m.backend = http_backend(parsed, attempt_log);
    m.info = {{"kind", parsed.provider}, {"model", parsed.model}, {"base_url", llm::spec_without_secrets(parsed.base_url)}};
  } else {
    throw Error(fmt::format("unknown model spec \"{}\": expected gguf:PATH, openai:MODEL@BASE_URL or anthropic:MODEL",
                            spec));
  }
  m.info["spec"] = llm::spec_without_secrets(spec);  // keys come from environment variables, never from specs
  m.info["identity"] = llm::spec_without_secrets(m.backend->identity());
  return m;
}

}  // namespace sceval::cli
