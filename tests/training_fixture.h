#pragma once
// The hand-worked run of the training-export tests: a 5 x 3 grid, label "yes" iff x >= 3 and
// y >= 1. Gower: one x step is 1/8, one y step 1/4 (each axis's range, over two features).
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grid/grid.h"

namespace sceval::testing::training_fixture {

using nlohmann::json;

namespace fs = std::filesystem;

inline const char* kTask = R"({"sceval_task": 1, "name": "hand", "title": "hand-worked",
  "features": [
    {"name": "X", "key": "x", "type": "integer", "start": 0, "stop": 4, "step": 1, "description": "x: {value}"},
    {"name": "Y", "key": "y", "type": "integer", "start": 0, "stop": 2, "step": 1, "description": "y: {value}"}],
  "options": ["no", "yes"], "answer_key": "answer", "description_format": {"prefix": "", "separator": "\n"},
  "prompt": "{description}\nanswer?", "followup": "make it {complement}", "distance": "gower"})";

inline int label(int x, int y) { return x >= 3 && y >= 1; }
inline grid::Index idx(int x, int y) { return static_cast<grid::Index>(x * 3 + y); }
inline std::string reply(int x, int y) {
  return "{\"x\": " + std::to_string(x) + ", \"y\": " + std::to_string(y) + "}";
}

// The model's follow-up answer per original point (x, y): {answer x, answer y, or -1 = no JSON}.
struct Answer {
  int x, y, ax, ay;
};

// Writes a run directory as `sceval run` would: results.json, decision_map.csv, sces.csv, samples.jsonl.
inline std::string write_run(const std::string& name, const std::vector<Answer>& answers, bool samples = true,
                             const std::string& extra_sce_rows = "") {
  fs::path dir = fs::temp_directory_path() / ("sceval_training_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "hand.json") << kTask;
  const json features = {{{"name", "X"}, {"values", {"0", "1", "2", "3", "4"}}},
                         {{"name", "Y"}, {"values", {"0", "1", "2"}}}};
  json results = {{"schema_version", 1},
                  {"task",
                   {{"name", "hand"},
                    {"path", (dir / "hand.json").string()},
                    {"options", {"no", "yes"}},
                    {"grid_points", 15},
                    {"features", features}}},
                  {"distance", "gower"},
                  {"strict", json::object()},
                  {"paper", json::object()}};
  std::ofstream(dir / "results.json") << results.dump();
  std::ofstream dm(dir / "decision_map.csv");
  dm << "index,X,Y,label\n";
  std::ofstream log(dir / "samples.jsonl");
  for (int x = 0; x <= 4; ++x)
    for (int y = 0; y <= 2; ++y) {
      const char* l = label(x, y) ? "yes" : "no";
      dm << idx(x, y) << ',' << x << ',' << y << ',' << l << '\n';
      std::string user = "x: " + std::to_string(x) + "\ny: " + std::to_string(y) + "\nanswer?";
      log << json({{"index", idx(x, y)},
                   {"stage", "decision_map"},
                   {"messages", {{{"role", "user"}, {"content", user}}}},
                   {"response", std::string("{\"answer\": \"") + l + "\"}"}})
                 .dump()
          << '\n';
    }
  std::ofstream sc(dir / "sces.csv");
  sc << "index,target,sce_X,sce_Y,status\n";
  for (const auto& a : answers) {
    const char* target = label(a.x, a.y) ? "no" : "yes";
    if (a.ax < 0)
      sc << idx(a.x, a.y) << ',' << target << ",,,no_json\n";
    else
      sc << idx(a.x, a.y) << ',' << target << ',' << a.ax << ',' << a.ay << ",ok\n";
    std::string user = "x: " + std::to_string(a.x) + "\ny: " + std::to_string(a.y) + "\nanswer?";
    std::string turn1 = std::string("{\"answer\": \"") + (label(a.x, a.y) ? "yes" : "no") + "\"}";
    json msgs = {{{"role", "user"}, {"content", user}},
                 {{"role", "assistant"}, {"content", turn1}},
                 {{"role", "user"}, {"content", std::string("make it ") + target}}};
    log << json({{"index", idx(a.x, a.y)},
                 {"target", target},
                 {"stage", "followup"},
                 {"messages", msgs},
                 {"response", a.ax < 0 ? std::string("I cannot") : reply(a.ax, a.ay)}})
               .dump()
        << '\n';
  }
  sc << extra_sce_rows;
  log.close();
  if (!samples) fs::remove(dir / "samples.jsonl");
  return dir.string();
}

// Hand-worked closest counterfactuals (Gower: x step 1/8, y step 1/4; ties to the lowest index).
inline const std::vector<Answer> kAnswers = {
    {0, 0, 3, 1},    // ideal (3,1): 3/8 + 1/4; the model is exact
    {3, 0, 3, 2},    // ideal (3,1): 1/4; (3,2) is valid but twice as far
    {2, 2, 2, 2},    // ideal (3,2): 1/8; the model did not move: invalid
    {3, 1, 2, 1},    // ideal (2,1): 1/8 (y 1 -> 0 costs 1/4); exact
    {4, 1, 4, 0},    // tie: (2,1) and (4,0) are both 1/4 away; ideal = the lowest index (2,1) = 7
    {4, 2, -1, -1},  // ideal (2,2): 1/4; no JSON
};
inline const std::vector<std::pair<int, int>> kIdeal = {{3, 1}, {3, 1}, {3, 2}, {2, 1}, {2, 1}, {2, 2}};

inline std::vector<json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));  // throws if not JSON
  return out;
}

}  // namespace sceval::testing::training_fixture
