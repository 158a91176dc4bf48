// libFuzzer target: decision-map and SCE CSVs (the inputs of `sceval score`). Any bytes through the
// CSV reader, then as a decision map and as an SCE file of the paper's income task; parsed SCE rows
// are scored (both modes) against a fixed map. Invariants: a kept row has no drop reason, a valid
// row is kept, a row asking for its point's own label is never valid.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/csv.h"
#include "common/error.h"
#include "common/warning.h"
#include "fuzz_common.h"
#include "metrics/score.h"
#include "results/decision_map_csv.h"
#include "results/sce_csv.h"
#include "task/task.h"

namespace {

struct World {
  sceval::task::Task task;
  std::unique_ptr<sceval::grid::Grid> grid;
  sceval::metrics::DecisionMap map;
  std::unique_ptr<sceval::grid::Distance> paper_dist, exact_dist;
  std::unique_ptr<sceval::metrics::Scorer> paper, strict;
};
World* world = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace sceval;
  set_warning_sink([](const std::string&) {});  // unknown columns: not an error, and quiet
  world = new World;
  world->task = task::load_task_file(std::string(SCEVAL_FUZZ_TASK_DIR) + "/income.json");
  world->grid = std::make_unique<grid::Grid>(world->task);
  world->map = metrics::DecisionMap::all_na(*world->grid);
  for (grid::Index i = 0; i < world->grid->size(); ++i)  // a boundary with NA and off-label holes
    world->map.labels[i] = i % 97 == 0 ? metrics::kNA : i % 89 == 0 ? metrics::kOffLabel : (i / 24) % 40 < 20 ? 0 : 1;
  world->paper_dist =
      std::make_unique<grid::Distance>(*world->grid, task::DistanceKind::Gower, grid::Arithmetic::Paper);
  world->exact_dist =
      std::make_unique<grid::Distance>(*world->grid, task::DistanceKind::Gower, grid::Arithmetic::Exact);
  world->paper = std::make_unique<metrics::Scorer>(*world->paper_dist, world->map, metrics::Mode::Paper);
  world->strict = std::make_unique<metrics::Scorer>(*world->exact_dist, world->map, metrics::Mode::Strict);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sceval;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sceval::Table t;
  try {
    t = csv::parse(text, "fuzz.csv", 1 << 16);
  } catch (const Error&) {
    return 0;
  }
  for (std::size_t r = 0; r < t.rows.size(); ++r) fuzz::check(t.rows[r].size() == t.columns.size());
  try {
    auto m = results::read_decision_map(*world->grid, t);
    fuzz::check(m.labels.size() == world->grid->size());
  } catch (const Error&) {
  }
  std::vector<metrics::SceInput> sces;
  try {
    sces = results::read_sces(*world->grid, t);
  } catch (const Error&) {
    return 0;
  }
  for (const auto& s : sces) {
    fuzz::check(s.index < world->grid->size());
    for (const auto* scorer : {world->paper.get(), world->strict.get()}) {
      const metrics::SceScore r = scorer->score(s);
      fuzz::check(r.kept == r.drop_reason.empty());
      if (r.valid && *r.valid) fuzz::check(r.kept);
      if (s.target == world->map.labels[s.index]) fuzz::check(!r.kept && !r.valid);
    }
  }
  return 0;
}
