#include "training/export.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/error.h"
#include "common/file.h"
#include "grid/closest.h"
#include "task/render.h"
#include "training/ideal.h"

namespace sceval::training {
namespace {

nlohmann::ordered_json assistant(const std::string& content) {
  return nlohmann::ordered_json::array({{{"role", "assistant"}, {"content", content}}});
}

// What is exported for one SCE row, or the reason it is skipped.
struct Item {
  Conversation prompt;                // up to and including the follow-up message
  std::string ideal;                  // the closest counterfactual in the answer format
  std::optional<std::string> actual;  // the model's reply (or its SCE re-written, without samples)
};

class Exporter {
 public:
  Exporter(const RunData& run, const ExportOptions& o)
      : run_(run),
        opt_(o),
        g_(*run.grid),
        dist_(g_, run.distance, grid::Arithmetic::Exact),
        boundary_(dist_, run.map.labels, static_cast<int>(run.task->options.size())),
        scorer_(dist_, run.map, metrics::Mode::Strict) {
    if (o.split) {
      train_.assign(g_.size(), false);
      for (auto i : o.split->train) train_[i] = true;
    }
  }

  Export run() {
    out_.stats.sce_rows = run_.sces.size() + run_.censored;
    if (run_.censored) out_.stats.skipped["censored"] = run_.censored;
    for (const auto& sce : run_.sces) add_sce(sce);
    if (opt_.turn1 != Turn1Scope::None)
      for (grid::Index i = 0; i < g_.size(); ++i)
        if (opt_.turn1 == Turn1Scope::All || in_train(i)) add_turn1(i);
    return std::move(out_);
  }

 private:
  bool in_train(grid::Index i) const { return train_.empty() || train_[i]; }
  void skip(const std::string& reason) { ++out_.stats.skipped[reason]; }

  std::optional<Item> item_for(const metrics::SceInput& sce) {
    const task::Task& t = *run_.task;
    metrics::Label orig = run_.map.labels[sce.index];
    if (orig < 0) return skip("no_original_decision"), std::nullopt;
    if (orig == sce.target) return skip("target_is_own_label"), std::nullopt;
    grid::Nearest n = boundary_.nearest(sce.index, sce.target);
    if (!n.found()) return skip("no_point_with_requested_label"), std::nullopt;
    auto ideal = checked_answer_text(g_, g_.record(n.index));
    if (!ideal) return skip("answer_format_cannot_express_point"), std::nullopt;
    Item item{{}, *ideal, std::nullopt};
    if (run_.has_samples) {
      auto it = run_.followups.find({sce.index, sce.target});
      if (it == run_.followups.end()) return skip("no_recorded_conversation"), std::nullopt;
      item.prompt = it->second.messages;
      item.actual = it->second.response;
    } else {  // a `sceval score` run: the task's own prompts, the map's label as the turn-1 answer
      ++out_.stats.reconstructed;
      item.prompt = task::followup_messages(t, g_.record(sce.index), label_answer_text(t, orig), t.options[sce.target]);
      if (sce.record) item.actual = answer_text(g_, *sce.record);
    }
    return item;
  }

  void add_sce(const metrics::SceInput& sce) {
    if (!in_train(sce.index)) {
      ++out_.stats.heldout;
      return;
    }
    auto item = item_for(sce);
    if (!item) return;
    nlohmann::ordered_json row;
    if (opt_.format == Format::Sft) {
      row["messages"] = to_json(item->prompt);
      row["messages"].push_back(assistant(item->ideal)[0]);
    } else if (opt_.format == Format::Prompts) {  // the columns the reward reads beside the prompt
      row["prompt"] = to_json(item->prompt);
      row["point_index"] = sce.index;
      row["target"] = run_.task->options[sce.target];
      row["task"] = run_.task->name;
    } else {
      metrics::SceScore s = scorer_.score(sce);
      if (s.exact_match.value_or(false)) return skip("already_minimal");
      if (!item->actual) return skip("no_rejected_text");
      if (opt_.format == Format::Dpo) {
        row["prompt"] = to_json(item->prompt);
        row["chosen"] = assistant(item->ideal);
        row["rejected"] = assistant(*item->actual);
      } else {
        row["input"] = {{"messages", to_json(item->prompt)}};
        row["preferred_output"] = assistant(item->ideal);
        row["non_preferred_output"] = assistant(*item->actual);
      }
    }
    out_.rows.push_back(std::move(row));
    ++out_.stats.exported;
  }

  void add_turn1(grid::Index i) {
    metrics::Label l = run_.map.labels[i];
    if (l < 0) return skip("turn1_no_decision");
    Conversation c;
    if (auto it = run_.turn1.find(i); it != run_.turn1.end()) {
      c = it->second.messages;
      c.push_back({"assistant", it->second.response});
    } else {  // no recorded turn-1 call (score runs): the map's label in the task's answer format
      ++out_.stats.reconstructed;
      c = task::turn1_messages(*run_.task, g_.record(i));
      c.push_back({"assistant", label_answer_text(*run_.task, l)});
    }
    nlohmann::ordered_json row;
    row["messages"] = to_json(c);
    out_.rows.push_back(std::move(row));
    ++out_.stats.turn1;
  }

  const RunData& run_;
  const ExportOptions& opt_;
  const grid::Grid& g_;
  grid::Distance dist_;
  grid::BoundaryDistances boundary_;
  metrics::Scorer scorer_;
  std::vector<bool> train_;
  Export out_;
};

}  // namespace

std::optional<Format> format_from_string(std::string_view s) {
  if (s == "sft") return Format::Sft;
  if (s == "dpo") return Format::Dpo;
  if (s == "openai-dpo") return Format::OpenAiDpo;
  if (s == "prompts") return Format::Prompts;
  return std::nullopt;
}

nlohmann::ordered_json ExportStats::to_json() const {
  nlohmann::ordered_json j = {{"sce_rows", sce_rows},
                              {"exported", exported},
                              {"turn1", turn1},
                              {"heldout", heldout},
                              {"reconstructed", reconstructed}};
  j["skipped"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : skipped) j["skipped"][k] = v;
  return j;
}

Export export_training(const RunData& run, const ExportOptions& options) {
  if (options.format != Format::Sft && options.turn1 != Turn1Scope::None)
    throw Error("--include-turn1 adds SFT rows: use it with --format sft");
  return Exporter(run, options).run();
}

void write_jsonl(std::ostream& out, const std::vector<nlohmann::ordered_json>& rows) {
  for (const auto& r : rows) out << r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void write_jsonl(const std::string& path, const std::vector<nlohmann::ordered_json>& rows) {
  AtomicWriter w(path);
  write_jsonl(w.out(), rows);
  w.commit();
}

namespace {
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(a, ea), cb = std::filesystem::weakly_canonical(b, eb);
  if (ea || eb) return std::filesystem::path(a).lexically_normal() == std::filesystem::path(b).lexically_normal();
  return ca == cb;
}
}  // namespace

void write_outputs(const std::string& jsonl_path, const std::vector<nlohmann::ordered_json>& rows,
                   const std::string& split_path, const nlohmann::ordered_json* split) {
  const bool with_split = split && !split_path.empty();
  if (with_split && same_file(jsonl_path, split_path))
    throw Error(fmt::format("{}: named both as the output and as --split-out", split_path));
  AtomicWriter jsonl(jsonl_path);
  std::optional<AtomicWriter> split_file;
  if (with_split) split_file.emplace(split_path);
  write_jsonl(jsonl.out(), rows);
  if (with_split) write_split(split_file->out(), *split);
  if (with_split) split_file->commit();
  jsonl.commit();
}

}  // namespace sceval::training
