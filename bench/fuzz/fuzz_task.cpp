// libFuzzer target: task files. Any bytes through the bounded JSON reader and the task reader; an
// accepted task must have a grid that can be enumerated (or a clean error), prompts that render at
// a point, and names that are safe as file names.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "fuzz_common.h"
#include "grid/grid.h"
#include "task/render.h"
#include "task/task.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sceval;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  task::Task t;
  try {
    t = task::parse_task(parse_json_bounded(text, "fuzz.json"), "fuzz.json");
  } catch (const Error&) {
    return 0;  // a clean rejection
  }
  (void)output_path("out", t.name);  // must not throw: names are validated as file names
  for (const auto& f : t.features) fuzz::check(f.size() >= 1);
  try {
    grid::Grid g(t);
    if (g.size() == 0) __builtin_trap();
    const grid::Index last = g.size() - 1;
    for (grid::Index i : {grid::Index{0}, last}) {
      auto rec = g.record(i);
      fuzz::check(g.index(rec) == i);
      (void)task::turn1_messages(t, rec, std::nullopt);
      (void)task::followup_messages(t, rec, "{}", t.options[1], std::nullopt);
    }
  } catch (const Error&) {
    // a grid beyond 2^64 points, or a template field the renderer refuses
  }
  return 0;
}
