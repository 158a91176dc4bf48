// libFuzzer target: model specs (`--model openai:MODEL@URL;k=v...`, sweep configs' "spec"). Any
// bytes through parse_model_spec and the option readers of both providers. Invariants: an accepted
// base URL starts with http:// or https://, and no redacted form still holds the credentials.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/redact.h"
#include "fuzz_common.h"
#include "llm/http/backend_common.h"
#include "llm/http/model_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sceval;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string redacted = llm::spec_without_secrets(text);
  fuzz::check(without_url_credentials(redacted) == redacted);  // redaction is complete in one pass
  try {
    const llm::ModelSpec s = llm::parse_model_spec(text);
    if (!s.base_url.empty()) fuzz::check(s.base_url.starts_with("http://") || s.base_url.starts_with("https://"));
    if (s.provider == "openai")
      (void)llm::openai_options(s);
    else
      (void)llm::anthropic_options(s);
  } catch (const Error&) {
  }
  try {
    (void)llm::http::normalize_base_url(text, "fuzz");
  } catch (const Error&) {
  }
  return 0;
}
