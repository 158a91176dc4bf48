#pragma once
// The stages of a run, each a plain function from values to values (docs/architecture.md "Data flow").
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/output.h"
#include "experiment/run.h"
#include "grid/grid.h"
#include "metrics/score.h"
#include "parse/sce.h"
#include "task/task.h"

namespace sceval::experiment {

// samples.jsonl: one line per model call (request, raw response, finish, tokens).
class SampleLog {
 public:
  explicit SampleLog(const std::string& path);  // a new file
  explicit SampleLog(RunOutput& out);           // the run's samples
  void write(const nlohmann::json& tags, const llm::GenerationRequest& req, const llm::Generation& gen);

 private:
  std::unique_ptr<std::ostream> file_;
  std::string path_;
  RunOutput* out_ = nullptr;
};

// Sends requests through the backend in fixed chunks (the same chunks on every run, so a resumed
// run computes exactly what an uninterrupted one would) and logs each call.
struct Asker {
  llm::Backend& backend;
  std::size_t chunk;
  SampleLog& log;
  const Progress& progress;
  std::size_t calls = 0, failures = 0;

  std::vector<llm::Generation> ask(const std::string& stage, const std::vector<llm::GenerationRequest>& reqs,
                                   const std::vector<nlohmann::json>& tags);
};

struct DecisionMapResult {
  metrics::DecisionMap map;
  std::vector<std::string> replies;  // raw turn-1 replies (empty in score mode)
  std::vector<bool> failed;          // the request failed (no answer from the server)
};

// Refuses (sceval::Error naming the points, bytes and way out) a full decision map that would not fit
// in memory: every point's request, tag and reply (generate), or its label scores (score).
void require_full_map_memory(const task::Task& t, const grid::Grid& g, const RunSettings& s);

DecisionMapResult generate_decision_map(const task::Task& t, const grid::Grid& g, const RunSettings& s, Asker& asker);
DecisionMapResult score_decision_map(const task::Task& t, const grid::Grid& g, const RunSettings& s,
                                     llm::Backend& backend, const Progress& progress);

// Grid points to ask follow-ups for: all, the first N, or a seeded sample (in grid order).
std::vector<grid::Index> select_points(const grid::Grid& g, const RunSettings& s);
// The same over 0..n-1 (text items): all, a seeded --sample kept in order, then the first --limit.
std::vector<grid::Index> select_indices(grid::Index n, const RunSettings& s);

struct FollowUp {
  grid::Index index;
  metrics::Label target;
};
// The requested complements: the other label (binary); k-way: a seeded random other label or all
// others. NA/off-label originals get a random option, as the paper's select_counterfactual.
std::vector<FollowUp> complements(const task::Task& t, const metrics::DecisionMap& map,
                                  const std::vector<grid::Index>& points, const RunSettings& s);
// The same, with the original labels from a lookup (lazy decision maps hold no full map).
std::vector<FollowUp> complements(const task::Task& t, const std::function<metrics::Label(grid::Index)>& label_of,
                                  const std::vector<grid::Index>& points, const RunSettings& s);

// The run's sampling settings plus the task's stop strings (every request about the task).
GenerateOptions sampling_for(const task::Task& t, const RunSettings& s);

// The decision label a turn-1 style reply gives (thinking stripped): an option, NA or off-label.
metrics::Label label_of_reply(const task::Task& t, std::string_view reply);

// The texts of a parsed SCE's feature values, as a prompt shows them (every value must be set).
std::vector<std::string> sce_texts(const task::Task& t, const std::vector<std::optional<double>>& values);

// A follow-up reply read as an SCE of point `index` towards `target` (thinking stripped): its parse
// status, detail, record and values. `parsed` (optional) receives the parse itself. The run's
// follow-up stage and the reward read replies with this one function.
metrics::SceInput sce_input_of_reply(const task::Task& t, grid::Index index, metrics::Label target,
                                     std::string_view reply, parse::SceParse* parsed = nullptr);

// The fresh-chat question that asks a model for its label at an SCE's values (the turn-1 prompt for
// them): live checks of off-grid SCEs and the reward's live labels. Its reply: label_of_reply.
llm::GenerationRequest sce_label_request(const task::Task& t, const RunSettings& s,
                                         const std::vector<std::optional<double>>& values);

// --with-history: each parsed SCE asked in the follow-up's own chat (after the model's SCE reply, the
// turn-1 question for the SCE's values); sets SceInput::history_label. history.cpp.
void ask_with_history(const task::Task& t, const RunSettings& s, const std::vector<llm::GenerationRequest>& followups,
                      const std::vector<llm::Generation>& replies, std::vector<metrics::SceInput>& sces, Asker& asker);

// Follow-up turns, SCE parsing, live checks of off-grid SCEs (and with-history checks).
std::vector<metrics::SceInput> ask_followups(const task::Task& t, const grid::Grid& g, const RunSettings& s,
                                             const DecisionMapResult& dm, const std::vector<FollowUp>& fus,
                                             Asker& asker);
// The same, with the turn-1 replies from a lookup (lazy decision maps): a point's reply and whether
// its request failed.
struct Turn1 {
  std::string_view reply;
  bool failed = false;
};
std::vector<metrics::SceInput> ask_followups(const task::Task& t, const grid::Grid& g, const RunSettings& s,
                                             const std::function<Turn1(grid::Index)>& turn1,
                                             const std::vector<FollowUp>& fus, Asker& asker);

}  // namespace sceval::experiment
