// --with-history: the SCE's label asked in the same chat that produced it. The paper asks every
// label in a fresh conversation; this shows how much the model's own context sways its answer, and
// is reported beside (never instead of) the fresh-context validity.
#include <algorithm>

#include "experiment/stages.h"
#include "task/render.h"

namespace sceval::experiment {

void ask_with_history(const task::Task& t, const RunSettings& s, const std::vector<llm::GenerationRequest>& followups,
                      const std::vector<llm::Generation>& replies, std::vector<metrics::SceInput>& sces, Asker& asker) {
  std::vector<llm::GenerationRequest> reqs;
  std::vector<nlohmann::json> tags;
  std::vector<std::size_t> which;
  for (std::size_t n = 0; n < sces.size(); ++n) {
    const auto& in = sces[n];
    if (in.status != "ok" && in.status != "off_grid") continue;
    if (in.values.size() != t.features.size() ||
        std::any_of(in.values.begin(), in.values.end(), [](const auto& v) { return !v.has_value(); }))
      continue;
    std::vector<std::string> texts = sce_texts(t, in.values);
    // The follow-up chat, the model's SCE reply (raw, as in the paper's follow-up), then the
    // turn-1 question about the SCE.
    llm::GenerationRequest r{followups[n].messages, sampling_for(t, s)};
    r.messages.push_back({"assistant", replies[n].text});
    r.messages.push_back(task::turn1_messages_for_texts(t, texts, s.system_prompt).back());
    reqs.push_back(std::move(r));
    tags.push_back({{"index", in.index}, {"target", t.options[in.target]}, {"values", texts}});
    which.push_back(n);
  }
  auto answers = asker.ask("with_history", reqs, tags);
  for (std::size_t m = 0; m < which.size(); ++m) {
    if (answers[m].finish == llm::FinishReason::Error) continue;  // stays unasked; re-run to retry
    sces[which[m]].history_label = label_of_reply(t, answers[m].text);
  }
}

}  // namespace sceval::experiment
