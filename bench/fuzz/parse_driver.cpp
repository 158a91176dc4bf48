// Reads JSON lines {"text": reply, "task": name} and writes what sceval's parse module makes of
// each reply (the JSON value, the turn-1 answer, the SCE values under the paper's rules), for
// bench/fuzz/paper_oracle.py to compare with the paper's code. Built by differential.sh.
#include <iostream>
#include <map>
#include <string>

#include "parse/parse.h"
#include "task/task.h"

int main(int argc, char** argv) {
  using namespace sceval;
  std::string dir = argc > 1 ? argv[1] : "tasks/paper";
  std::map<std::string, task::Task> tasks;
  for (const char* n : {"income", "house_prices", "heart_disease"})
    tasks[n] = task::load_task_file(dir + "/" + n + ".json");
  std::string line;
  while (std::getline(std::cin, line)) {
    auto in = nlohmann::json::parse(line);
    std::string text = in.at("text");
    const task::Task& t = tasks.at(in.at("task").get<std::string>());
    parse::JsonParse jp = parse::parse_json_from_text(text);
    parse::Answer a = parse::extract_answer(text, t.answer_key);
    parse::SceParse s = parse::parse_sce(t, text);
    parse::Json out;
    out["json"] = jp.ok() ? *jp.value : parse::Json("NA");
    out["repair"] = std::string(parse::to_string(jp.repair));
    out["answer"] = a.text;
    out["answer_is_string"] = a.is_string;
    parse::Json values = parse::Json::array();
    for (std::size_t j = 0; j < s.values.size(); ++j) {
      bool parsed = s.feature_status[j] == parse::Status::Ok || s.feature_status[j] == parse::Status::OffGrid;
      values.push_back(parsed ? parse::Json(*s.values[j]) : parse::Json(nullptr));
    }
    out["sce"] = values;
    out["status"] = std::string(parse::to_string(s.status));
    out["detail"] = s.detail;
    std::cout << out.dump(-1, ' ', true, parse::Json::error_handler_t::replace) << '\n';
  }
}
