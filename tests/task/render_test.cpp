// Every turn-1 prompt of all 108 paper variants, for every grid point, must be byte-identical to
// Python's str.format of the paper's template with the paper's own grid description
// (tests/data/paper_prompts.json, made by tools/paper/make_fixtures.py with real str.format).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/sha256.h"
#include "grid/grid.h"
#include "task/registry.h"
#include "task/render.h"
#include "task/task.h"
#include "task/template.h"

using namespace sceval;

namespace {

nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string paper_task(const std::string& name) {
  return std::string(SCEVAL_SOURCE_DIR) + "/tasks/paper/" + name + ".json";
}

}  // namespace

TEST(TaskRender, AllPaperVariantsByteIdentical) {
  auto fixtures = load_json(std::string(SCEVAL_TEST_DATA) + "/paper_prompts.json");
  ASSERT_EQ(fixtures.size(), 108u);
  for (auto& [name, fx] : fixtures.items()) {
    task::Task t = task::load_task_file(paper_task(name));
    grid::Grid g(t);
    Sha256 h;
    std::string first, last;
    for (grid::Index i = 0; i < g.size(); ++i) {
      std::string p = task::turn1_prompt(t, g.record(i));
      if (i) h.update(std::string_view("\0", 1));
      h.update(p);
      if (i == 0) first = p;
      last = p;
    }
    EXPECT_EQ(first, fx["prompt_first"].get<std::string>()) << name;
    EXPECT_EQ(last, fx["prompt_last"].get<std::string>()) << name;
    EXPECT_EQ(h.hex(), fx["prompt_sha256"].get<std::string>()) << name;
    for (auto& [option, text] : fx["followups"].items())
      EXPECT_EQ(task::followup_prompt(t, option), text.get<std::string>()) << name << " / " << option;
  }
}

TEST(TaskRender, DescriptionsMatchThePaperGridRows) {
  for (std::string grid_name : {"income", "house_prices", "heart_disease"}) {
    task::Task t = task::load_task_file(paper_task(grid_name));
    grid::Grid g(t);
    std::ifstream in(std::string(SCEVAL_TEST_DATA) + "/paper_grids/" + grid_name + ".jsonl");
    std::string line;
    grid::Index rows = 0;
    while (std::getline(in, line)) {
      auto row = nlohmann::json::parse(line);
      auto id = row["id"].get<grid::Index>();
      auto rec = g.record(id);
      ASSERT_EQ(task::describe(t, rec), row["description"].get<std::string>()) << grid_name << " row " << id;
      // The grid index is the paper's row id: feature codes agree.
      for (std::size_t j = 0; j < g.dims(); ++j)
        ASSERT_EQ(g.feature(j).code(rec[j]), row[g.feature(j).name].get<std::int64_t>()) << grid_name << " row " << id;
      ++rows;
    }
    EXPECT_EQ(rows, g.size()) << grid_name;
  }
}

TEST(TaskRender, FollowupConversationCarriesTheRawReply) {
  task::Task t = task::load_task_file(paper_task("income"));
  grid::Grid g(t);
  std::string reply = "  {\"answer\": \"Below $50,000\"}\n";  // not stripped
  auto c = task::followup_messages(t, g.record(5), reply, "Above $50,000",
                                   std::string("\n\nYou are a helpful assistant.\n\n"));
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].role, "system");
  EXPECT_EQ(c[2].role, "assistant");
  EXPECT_EQ(c[2].content, reply);
  EXPECT_EQ(c[3].content, task::followup_prompt(t, "Above $50,000"));
  // An empty system prompt adds no system message (as the paper's to_chat).
  EXPECT_EQ(task::turn1_messages(t, g.record(5), std::string()).size(), 1u);
}

// The toy model's task (tasks/toy/toy_income.json) renders its training text (tools/toymodel/toytask.py:
// "age: A\neducation: E\nincome?", then "flip?") and ends every reply at a newline.
TEST(TaskRender, ToyTaskIsTheTrainingWording) {
  task::Task t = task::resolve_task("toy_income");
  grid::Grid g(t);
  ASSERT_EQ(g.size(), 80u * 24u);
  const grid::Index i = (40 - 17) * 24 + (20 - 1);  // age 40, education 20 (age is the slower axis)
  auto c = task::followup_messages(t, g.record(i), "{\"answer\": \"above\"}", "below", std::nullopt);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].content, "age: 40\neducation: 20\nincome?");
  EXPECT_EQ(c[2].content, "flip?");
  EXPECT_EQ(t.stop, std::vector<std::string>{"\n"});
  EXPECT_EQ(t.options, (std::vector<std::string>{"below", "above"}));
}

TEST(TaskFile, StopStrings) {
  nlohmann::json j = load_json(std::string(SCEVAL_SOURCE_DIR) + "/tasks/toy/toy_income.json");
  EXPECT_TRUE(task::parse_task(j, "x.json").stop == std::vector<std::string>{"\n"});
  j.erase("stop");
  EXPECT_TRUE(task::parse_task(j, "x.json").stop.empty());
  j["stop"] = {"\n", ""};
  try {
    task::parse_task(j, "x.json");
    FAIL() << "an empty stop string was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.json: stop"), std::string::npos) << e.what();
  }
  j["stop"] = "\n";
  EXPECT_THROW(task::parse_task(j, "x.json"), Error);  // not an array
}

TEST(TaskTemplate, PythonFormatRules) {
  EXPECT_EQ(task::python_format("{{\"a\": \"\"}} {x}", {{"x", "1"}}), "{\"a\": \"\"} 1");
  EXPECT_THROW(task::python_format("{y}", {{"x", "1"}}), Error);
  EXPECT_THROW(task::python_format("a } b", {}), Error);
  EXPECT_THROW(task::python_format("a { b", {}), Error);
  EXPECT_THROW(task::check_format_fields("{x:>3}", {"x"}), Error);
}

TEST(TaskRegistry, BundledTasksAreListed) {
  auto tasks = task::list_tasks();
  int paper = 0;
  bool example = false, toy = false;
  for (const auto& e : tasks) {
    if (e.path.find("/paper/") != std::string::npos) ++paper;
    if (e.name == "credit_risk_3way") example = true;
    if (e.name == "toy_income") toy = true;
  }
  EXPECT_EQ(paper, 108);
  EXPECT_TRUE(example);
  EXPECT_TRUE(toy);
  EXPECT_THROW(task::resolve_task("no_such_task"), Error);
}
