// Chat templates: which one (the GGUF's, ChatML, a file, a llama.cpp built-in name) and rendering.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "llm/llama_internal.h"

namespace sceval::llm {

namespace {

std::vector<std::string> builtin_templates() {
  std::vector<const char*> names(llama_chat_builtin_templates(nullptr, 0));
  llama_chat_builtin_templates(names.data(), names.size());
  return {names.begin(), names.end()};
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("chat template file " + path + " cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void LlamaBackend::Impl::init_chat_template() {
  const std::string& given = opt.chat_template;
  std::string source;  // what common_chat_templates_init gets: "" = the model's, else Jinja or a name
  std::string what = "the model's chat template";
  std::error_code ec;
  if (given.empty()) {
    if (!llama_model_chat_template(model.get(), nullptr)) what = "ChatML (the model has no chat template)";
  } else if (std::filesystem::is_regular_file(given, ec)) {
    source = read_text_file(given);
    what = "chat template file " + given;
  } else if (auto names = builtin_templates(); std::find(names.begin(), names.end(), given) != names.end()) {
    source = given;  // "chatml" becomes llama.cpp's ChatML Jinja; other names render through llama_chat_apply_template
    legacy_template = given != "chatml";
    what = "built-in chat template " + given;
  } else if (given.find("{{") != std::string::npos || given.find("{%") != std::string::npos) {
    source = given;
    what = "the chat template given inline";
  } else {
    std::string list;
    for (const auto& n : builtin_templates()) list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown chat template \"" + given + "\": not a file and not one of llama.cpp's built-in templates (" +
                list + ")");
  }
  try {
    templates = common_chat_templates_init(model.get(), source);
    // Render a probe conversation now, so a broken template fails at load time with its name.
    (void)render({{"system", "s"}, {"user", "u"}}, true);
  } catch (const Error& e) {
    throw Error(what + " does not work: " + e.what());
  } catch (const std::exception& e) {
    throw Error(what + " does not work: " + e.what());
  }
}

std::string LlamaBackend::Impl::render(const Conversation& messages, bool add_generation_prompt) const {
  common_chat_templates_inputs in;
  for (const auto& m : messages) {
    common_chat_msg msg;
    msg.role = m.role;
    msg.content = m.content;
    in.messages.push_back(std::move(msg));
  }
  in.add_generation_prompt = add_generation_prompt;
  in.use_jinja = !legacy_template;
  // Templates that print today's date (strftime_now) see a fixed day, so that a prompt, and the
  // cache key built from it, does not change with the calendar: 26 Jul 2024, Llama 3.1's default.
  in.now = std::chrono::system_clock::time_point(std::chrono::seconds(1721952000));
  try {
    return common_chat_templates_apply(templates.get(), in).prompt;
  } catch (const std::exception& e) {
    throw Error(std::string("the chat template cannot render this conversation: ") + e.what());
  }
}

}  // namespace sceval::llm
