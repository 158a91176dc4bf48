#include "cli/model_factory.h"

#include <fmt/format.h>

#include "common/error.h"
#include "llm/http/model_spec.h"
#ifdef SCEVAL_WITH_LLAMA
#include "llm/llama_backend.h"
#endif

namespace sceval::cli {

Model make_model(const std::string& spec, const LocalModelOptions& local) {
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
    m.backend = llm::make_http_backend(parsed);
    m.info = {{"kind", parsed.provider}, {"model", parsed.model}, {"base_url", parsed.base_url}};
  } else {
    throw Error(fmt::format("unknown model spec \"{}\": expected gguf:PATH, openai:MODEL@BASE_URL or anthropic:MODEL",
                            spec));
  }
  m.info["spec"] = spec;  // specs never hold keys: those come from environment variables
  m.info["identity"] = m.backend->identity();
  return m;
}

}  // namespace sceval::cli
