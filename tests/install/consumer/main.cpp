// Uses only the installed public API: loads a task, scores a decision map made by a rule of its
// own, and checks the exact closest counterfactuals against a brute force over the grid.
#include <sceval/sceval.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: consumer TASK_FILE\n"), 2;
  const sceval::Task t = sceval::Task::load(argv[1]);
  // The rule: the first option where the first feature's position is even, else the second.
  sceval::Table dm = t.grid();
  dm.columns.push_back("label");
  const std::size_t n0 = t.features()[0].values.size(), stride = t.size() / n0;
  for (auto& row : dm.rows) {
    const std::uint64_t i = std::stoull(row[0]);
    row.push_back(t.options()[(i / stride) % 2]);
  }
  const sceval::Table c = sceval::closest(t, dm, "l1_mad");
  // Brute force in grid steps along the first feature only: the nearest other label is one step
  // away along that axis for every point, so d_min must be that one step's distance everywhere.
  const std::string one_step = c.rows[0][1];
  for (const auto& row : c.rows)
    if (row[1] != one_step)
      return std::fprintf(stderr, "point %s: d_min %s != %s\n", row[0].c_str(), row[1].c_str(), one_step.c_str()), 1;
  std::printf("consumer: sceval %s, task %s, %zu points, d_min %s everywhere\n", sceval::version(), t.name().c_str(),
              c.rows.size(), one_step.c_str());
  return 0;
}
