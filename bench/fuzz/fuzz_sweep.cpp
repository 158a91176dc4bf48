// libFuzzer target: sweep configs, read by the library's own config reader exactly as `sceval
// sweep` reads them (api::parse_sweep_config: bounded JSON, fields, aliases, task globs), then what a
// config feeds before any model runs: each cell's options through the option table, cell folders
// (which must stay inside the sweep folder), and shard specs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/sweep_config.h"
#include "common/error.h"
#include "experiment/sweep.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sceval;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const api::SweepConfig c = api::parse_sweep_config(text, "sweep.json");
    fuzz::check(!c.models.empty() && !c.tasks.empty());
    std::vector<std::string> aliases;
    for (const auto& m : c.models) aliases.push_back(m.alias);
    if (aliases.size() * c.tasks.size() > 10000) return 0;
    for (const auto& cell : experiment::cells(aliases, c.tasks)) {
      const std::string dir = experiment::cell_dir("sweep-out", cell);
      fuzz::check(dir.starts_with("sweep-out/") && dir.find("/..") == std::string::npos &&
                  dir.find('/', 10) == std::string::npos);
    }
    for (const auto& m : c.models) {
      const Options o = api::cell_options(c, m, "", "sweep.json");
      fuzz::check(o.to_json().is_object());
    }
  } catch (const Error&) {
  }
  // Shard specs (--shard I/N) come from the command line, not the config; the same bytes fuzz them.
  try {
    const auto s = experiment::parse_shard(std::string(text.substr(0, 64)));
    fuzz::check(s.index < s.count);
  } catch (const Error&) {
  }
  return 0;
}
