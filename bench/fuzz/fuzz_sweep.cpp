// libFuzzer target: sweep configs. Any bytes through the bounded JSON reader as `sceval sweep`
// reads its config, then the library parts a config feeds: model aliases and task names into cell
// folders (which must stay inside the sweep folder), shard specs. The per-key option checks live in
// the option table (the lead's src/api); point this target at its config reader once it is a library
// call (README.md).
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"
#include "experiment/sweep.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sceval;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j;
  try {
    j = parse_json_bounded(text, "sweep.json");
  } catch (const Error&) {
    return 0;
  }
  if (!j.is_object()) return 0;
  std::vector<std::string> aliases;
  std::vector<experiment::TaskRef> tasks;
  if (j.contains("models") && j["models"].is_array())
    for (const auto& m : j["models"])
      if (m.is_object() && m.contains("alias") && m["alias"].is_string()) aliases.push_back(m["alias"]);
  if (j.contains("tasks") && j["tasks"].is_array())
    for (const auto& t : j["tasks"])
      if (t.is_string()) tasks.push_back({t, t});
  if (aliases.size() * tasks.size() > 10000) return 0;
  for (const auto& c : experiment::cells(aliases, tasks)) {
    try {
      const std::string dir = experiment::cell_dir("sweep-out", c);
      fuzz::check(dir.starts_with("sweep-out/") && dir.find("/..") == std::string::npos &&
                  dir.find('/', 10) == std::string::npos);
    } catch (const Error&) {
    }
  }
  if (j.contains("shard") && j["shard"].is_string()) {
    try {
      const auto s = experiment::parse_shard(j["shard"]);
      fuzz::check(s.index < s.count);
    } catch (const Error&) {
    }
  }
  return 0;
}
