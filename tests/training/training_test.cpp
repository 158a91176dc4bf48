// Training export (src/training) on the hand-worked run of training_fixture.h.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/file.h"
#include "grid/closest.h"
#include "parse/sce.h"
#include "training/export.h"
#include "training/ideal.h"
#include "training_fixture.h"

using namespace sceval;
using nlohmann::json;

using namespace sceval::testing::training_fixture;

TEST(Training, IdealIsTheHandWorkedClosestAndParsesBack) {
  auto run = training::load_run(write_run("ideal", kAnswers));
  auto e = training::export_training(run, {});
  ASSERT_EQ(e.rows.size(), kAnswers.size());
  for (std::size_t r = 0; r < e.rows.size(); ++r) {
    const auto& msgs = e.rows[r]["messages"];
    ASSERT_EQ(msgs.size(), 4u);
    EXPECT_EQ(msgs[1]["content"],
              std::string("{\"answer\": \"") + (label(kAnswers[r].x, kAnswers[r].y) ? "yes" : "no") + "\"}");
    EXPECT_EQ(msgs[3]["role"], "assistant");
    auto p = parse::parse_sce(*run.task, msgs[3]["content"].get<std::string>());
    ASSERT_TRUE(p.ok()) << msgs[3]["content"];
    EXPECT_EQ(*p.record,
              (grid::Record{static_cast<std::size_t>(kIdeal[r].first), static_cast<std::size_t>(kIdeal[r].second)}))
        << "row " << r;
  }
}

TEST(Training, IdealEqualsBruteForceAtEveryPoint) {
  std::vector<Answer> all;
  for (int x = 0; x <= 4; ++x)
    for (int y = 0; y <= 2; ++y) all.push_back({x, y, x, y});
  auto run = training::load_run(write_run("all", all));
  auto e = training::export_training(run, {});
  ASSERT_EQ(e.rows.size(), all.size());
  grid::Distance d(*run.grid, task::DistanceKind::Gower, grid::Arithmetic::Exact);
  for (std::size_t r = 0; r < all.size(); ++r) {
    std::vector<bool> tg = {label(all[r].x, all[r].y) == 1, label(all[r].x, all[r].y) == 0};
    auto brute = grid::nearest_with_label_brute_force(d, run.map.labels, tg);
    auto p = parse::parse_sce(*run.task, e.rows[r]["messages"][3]["content"].get<std::string>());
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(run.grid->index(*p.record), brute[idx(all[r].x, all[r].y)].index) << "point " << r;
  }
}

TEST(Training, DpoSkipsMinimalSces) {
  auto run = training::load_run(write_run("dpo", kAnswers));
  auto e = training::export_training(run, {training::Format::Dpo, std::nullopt, training::Turn1Scope::None});
  // Rows 0 and 3 are the ideal, row 4 a tie at the minimal distance: skipped. Left: (3,0) not
  // minimal, (2,2) invalid, (4,2) no JSON.
  ASSERT_EQ(e.rows.size(), 3u);
  EXPECT_EQ(e.stats.skipped.at("already_minimal"), 3u);
  EXPECT_EQ(e.rows[0]["rejected"][0]["content"], reply(3, 2));
  EXPECT_EQ(e.rows[0]["chosen"][0]["content"], reply(3, 1));
  EXPECT_EQ(e.rows[1]["rejected"][0]["content"], reply(2, 2));
  EXPECT_EQ(e.rows[2]["rejected"][0]["content"], "I cannot");
  for (const auto& r : e.rows) {
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r["prompt"].size(), 3u);
    EXPECT_EQ(r["prompt"].back()["role"], "user");
    EXPECT_EQ(r["chosen"][0]["role"], "assistant");
    EXPECT_EQ(r["rejected"][0]["role"], "assistant");
  }
}

TEST(Training, JsonlLinesHaveTheDocumentedShape) {
  auto run = training::load_run(write_run("shape", kAnswers));
  const std::string out = (fs::temp_directory_path() / "sceval_training_shape.jsonl").string();
  for (auto format : {training::Format::Sft, training::Format::Dpo}) {
    training::ExportOptions o{format, std::nullopt,
                              format == training::Format::Sft ? training::Turn1Scope::All : training::Turn1Scope::None};
    auto e = training::export_training(run, o);
    training::write_jsonl(out, e.rows);
    auto lines = read_lines(out);
    ASSERT_EQ(lines.size(), e.rows.size());
    for (const auto& l : lines) {
      const auto keys = format == training::Format::Sft ? std::vector<std::string>{"messages"}
                                                        : std::vector<std::string>{"prompt", "chosen", "rejected"};
      ASSERT_EQ(l.size(), keys.size()) << l;
      for (const auto& k : keys) {
        ASSERT_TRUE(l.contains(k) && l[k].is_array() && !l[k].empty()) << l;
        for (const auto& m : l[k]) {
          ASSERT_EQ(m.size(), 2u);
          EXPECT_TRUE(m["role"] == "user" || m["role"] == "assistant") << m;
          EXPECT_TRUE(m["content"].is_string());
        }
      }
      if (format == training::Format::Sft) {
        EXPECT_EQ(l["messages"].back()["role"], "assistant");
      }
    }
    if (format == training::Format::Sft) {
      EXPECT_EQ(e.stats.turn1, 15u);  // every point once
    }
  }
}

TEST(Training, SplitIsDeterministicAndHoldsPointsOut) {
  auto run = training::load_run(write_run("split", kAnswers));
  const grid::Grid& g = *run.grid;
  auto a = training::make_split(g, "random:0.4:7"), b = training::make_split(g, "random:0.4:7");
  EXPECT_EQ(a.heldout, b.heldout);
  EXPECT_EQ(a.heldout.size(), 6u);  // 0.4 * 15
  EXPECT_EQ(a.train.size() + a.heldout.size(), 15u);
  bool differs = false;
  for (int seed = 8; seed < 12; ++seed)
    differs |= training::make_split(g, "random:0.4:" + std::to_string(seed)).heldout != a.heldout;
  EXPECT_TRUE(differs);
  // A predicate by column name or JSON key: the points with x >= 3 are held out.
  for (const char* spec : {"X>=3", "x>=3"}) {
    auto p = training::make_split(g, spec);
    EXPECT_EQ(p.heldout, (std::vector<grid::Index>{9, 10, 11, 12, 13, 14})) << spec;
  }
  EXPECT_EQ(training::make_split(g, "y==0").heldout, (std::vector<grid::Index>{0, 3, 6, 9, 12}));
  for (const char* bad : {"random:1.5:1", "random:0.5", "z>=1", "x~1", "random:0.2:-1"})
    EXPECT_THROW(training::make_split(g, bad), Error) << bad;

  // Rows only for train points; split.json read back as point selections.
  auto p = training::make_split(g, "x>=3");
  auto e = training::export_training(run, {training::Format::Sft, p, training::Turn1Scope::Train});
  EXPECT_EQ(e.stats.exported, 2u);  // (0,0) and (2,2)
  EXPECT_EQ(e.stats.heldout, 4u);
  EXPECT_EQ(e.stats.turn1, 9u);
  const std::string path = (fs::temp_directory_path() / "sceval_training_split.json").string();
  training::write_split(path, training::split_json(p, g, run.dir, run.sha256));
  auto held = training::read_point_selection(path + ":heldout");
  auto train = training::read_point_selection(path + ":train");
  EXPECT_EQ(held.size(), 6u);
  EXPECT_EQ(train.size(), 9u);
  for (grid::Index i = 0; i < g.size(); ++i) EXPECT_NE(held.contains(i), train.contains(i));
  EXPECT_TRUE(held.contains(idx(4, 1)));
  EXPECT_NO_THROW(training::check_selection(held, "hand", 15));
  EXPECT_THROW(training::check_selection(held, "income", 1920), Error);
  EXPECT_THROW(training::read_point_selection(path + ":test"), Error);
  EXPECT_EQ(json::parse(std::ifstream(path))["run"]["sha256"], training::run_sha256(run.dir));
}

TEST(Training, BadRunsAreClearErrorsOrCountedSkips) {
  // A lazy run's censored rows are skipped and counted.
  std::string dir = write_run("censored", kAnswers);
  {
    std::ifstream in(dir + "/sces.csv");
    std::stringstream s;
    std::string line;
    std::getline(in, line);
    s << line << ",censored\n";
    for (int r = 0; std::getline(in, line); ++r) s << line << ',' << (r == 1 ? "1" : "0") << '\n';
    std::ofstream(dir + "/sces.csv") << s.str();
  }
  auto run = training::load_run(dir);
  auto e = training::export_training(run, {});
  EXPECT_EQ(e.rows.size(), kAnswers.size() - 1);
  EXPECT_EQ(e.stats.skipped.at("censored"), 1u);

  // No SCEs: an error naming the file.
  std::string empty = write_run("empty", {});
  try {
    training::load_run(empty);
    FAIL() << "expected an error";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("sces.csv"), std::string::npos) << err.what();
  }
  fs::remove(empty + "/sces.csv");
  EXPECT_THROW(training::load_run(empty), Error);
  EXPECT_THROW(training::load_run(empty + "/nope"), Error);

  // No samples.jsonl (a `sceval score` run): conversations rebuilt from the task's prompts.
  auto scored = training::load_run(write_run("scored", kAnswers, false));
  auto s = training::export_training(scored, {});
  ASSERT_EQ(s.rows.size(), kAnswers.size());
  EXPECT_EQ(s.stats.reconstructed, kAnswers.size());
  EXPECT_EQ(s.rows[0]["messages"][0]["content"], "x: 0\ny: 0\nanswer?");
  EXPECT_EQ(s.rows[0]["messages"][1]["content"], "{\"answer\": \"no\"}");
  EXPECT_EQ(s.rows[0]["messages"][2]["content"], "make it yes");
  EXPECT_THROW(training::export_training(run, {training::Format::Dpo, std::nullopt, training::Turn1Scope::All}), Error);
}

TEST(Training, InexpressiblePointsAreSkipped) {
  // Two levels whose texts the parser reads alike ("A-b" and "a b" both normalize to "a b"): the
  // second cannot be written so that it parses back to itself.
  task::Task t;
  t.name = "levels";
  task::Feature f;
  f.name = f.key = "kind";
  f.type = task::FeatureType::Categorical;
  f.levels = {{0, "A b"}, {1, "a b"}, {2, "c"}};
  t.features = {f};
  t.options = {"no", "yes"};
  grid::Grid g(t);
  EXPECT_TRUE(training::checked_answer_text(g, {2}).has_value());
  EXPECT_EQ(training::answer_text(g, {2}), "{\"kind\": \"c\"}");
  bool first = training::checked_answer_text(g, {0}).has_value(),
       second = training::checked_answer_text(g, {1}).has_value();
  EXPECT_FALSE(first && second);  // at most one of the look-alikes round-trips
}

// Hostile input (hardening) for export-training's inputs and outputs.

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::size_t lines_in(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

}  // namespace

TEST(TrainingInputs, DeepSamplesLineIsAnErrorNotACrash) {
  const std::string dir = write_run("deep", kAnswers);
  const std::string samples = dir + "/samples.jsonl";
  const std::size_t line = lines_in(samples) + 1;
  // 2 * 10^5 levels crashed the process (SIGSEGV) in an unbounded parse and copy.
  std::ofstream(samples, std::ios::app) << R"({"index": 0, "stage": "decision_map", "response": "x", "messages": )"
                                        << std::string(200000, '[') << std::string(200000, ']') << "}\n";
  std::string msg = error_of([&] { training::load_run(dir); });
  EXPECT_NE(msg.find(fmt::format("samples.jsonl:{}:1:", line)), std::string::npos) << msg;
  EXPECT_NE(msg.find("nesting deeper than 256 levels"), std::string::npos) << msg;

  // A field of the wrong type is an error naming the line and field, not a JSON type_error.
  write_run("deep", kAnswers);
  std::ofstream(samples, std::ios::app) << R"({"index": 0, "stage": 5, "response": "x"})" << '\n';
  msg = error_of([&] { training::load_run(dir); });
  EXPECT_NE(msg.find(fmt::format("samples.jsonl:{}: field \"stage\": expected a string", line)), std::string::npos)
      << msg;
}

TEST(TrainingInputs, SplitFileIsCheckedAgainstTheTaskBeforeItsPointsAreUsed) {
  const std::string dir = write_run("hugesplit", kAnswers);
  const std::string path = dir + "/split.json";
  // grid_points 10^18: the old reader allocated a bit per point first (std::bad_alloc).
  std::ofstream(path) << R"({"kind": "split", "schema_version": 1, "task": "hand", "grid_points": 1000000000000000000,
                             "train": [0, 1], "heldout": [2, 999999999999999999]})";
  for (bool one_call : {false, true}) {
    const std::string msg = error_of([&] {
      if (one_call)
        training::read_point_selection(path + ":heldout", "hand", 15);
      else
        training::check_selection(training::read_point_selection(path + ":heldout"), "hand", 15);
    });
    EXPECT_NE(msg.find(path + ": field \"grid_points\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("1000000000000000000 points, but task hand has 15"), std::string::npos) << msg;
  }
  std::ofstream(path, std::ios::trunc) << R"({"kind": "split", "schema_version": 1, "task": "other", "grid_points": 15,
                                             "train": [], "heldout": []})";
  std::string msg = error_of([&] { training::read_point_selection(path + ":train", "hand", 15); });
  EXPECT_NE(msg.find(path + ": field \"task\": the split was made for task other"), std::string::npos) << msg;

  std::ofstream(path, std::ios::trunc) << "{\"train\": " << std::string(100000, '[');
  msg = error_of([&] { training::read_point_selection(path + ":train"); });
  EXPECT_NE(msg.find(path + ":1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nesting deeper than 256 levels"), std::string::npos) << msg;
  std::ofstream(path, std::ios::trunc) << R"({"kind": 5, "schema_version": "1", "grid_points": 15, "train": []})";
  msg = error_of([&] { training::read_point_selection(path + ":train"); });
  EXPECT_NE(msg.find(path + ": not a split file"), std::string::npos) << msg;
}

TEST(TrainingInputs, OutputsIntoAMissingFolderAreRefusedAndLeaveNothing) {
  auto run = training::load_run(write_run("outputs", kAnswers));
  const fs::path dir = fs::temp_directory_path() / "sceval_training_outputs_out";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto e = training::export_training(run, {});
  const std::string missing = (dir / "missing").string();
  std::string msg = error_of([&] { training::write_jsonl(missing + "/x.jsonl", e.rows); });
  EXPECT_NE(msg.find(missing + "/x.jsonl: cannot write: folder " + missing + " does not exist"), std::string::npos)
      << msg;

  // A bad --split-out: an error, and no JSONL left behind (it used to be written first).
  const auto split = training::split_json(training::make_split(*run.grid, "x>=3"), *run.grid, run.dir, run.sha256);
  const std::string jsonl = (dir / "x.jsonl").string();
  msg = error_of([&] { training::write_outputs(jsonl, e.rows, missing + "/split.json", &split); });
  EXPECT_NE(msg.find(missing + "/split.json: cannot write: folder " + missing + " does not exist"), std::string::npos)
      << msg;
  EXPECT_TRUE(fs::is_empty(dir)) << "left behind: " << fs::directory_iterator(dir)->path();
  msg = error_of([&] { training::write_outputs(jsonl, e.rows, jsonl, &split); });
  EXPECT_NE(msg.find("named both as the output and as --split-out"), std::string::npos) << msg;

  training::write_outputs(jsonl, e.rows, (dir / "split.json").string(), &split);
  EXPECT_EQ(read_lines(jsonl).size(), e.rows.size());
  EXPECT_EQ(training::read_point_selection((dir / "split.json").string() + ":heldout", "hand", 15).size(), 6u);
  fs::remove_all(dir);
}

TEST(TrainingInputs, FilesystemFailuresNameThePath) {
  const fs::path base = fs::temp_directory_path() / "sceval_training_loop";
  fs::remove_all(base);
  fs::create_directories(base);
  fs::create_directory_symlink(base / "loop", base / "loop");  // stat: too many levels of symbolic links
  const std::string loop = (base / "loop").string();
  std::string msg = error_of([&] { training::load_run(loop); });
  EXPECT_NE(msg.find(loop + "/results.json: cannot access: Too many levels of symbolic links"), std::string::npos)
      << msg;
  EXPECT_THROW(path_exists(base / "loop" / "x"), Error);
  EXPECT_FALSE(path_exists(base / "nope" / "x"));
  EXPECT_TRUE(path_exists(base));
  fs::remove_all(base);
}
