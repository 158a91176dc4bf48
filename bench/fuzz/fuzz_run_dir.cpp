// libFuzzer target: run directories as `sceval report` reads them. One input holds results.json,
// decision_map.csv and sces.csv separated by lines "=====". Each goes through its reader (bounded
// JSON and the schema check; CSV), then the report's page data is built from them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/csv.h"
#include "common/error.h"
#include "common/json_bounded.h"
#include "fuzz_common.h"
#include "report/page_data.h"
#include "report/run_dir.h"
#include "results/results_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sceval;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parts = fuzz::split_parts(text, 3);
  report::RunDir run;
  run.path = "fuzz";
  run.name = "fuzz";
  try {
    run.results = parse_json_bounded(parts[0], "fuzz/results.json");
    results::validate_results_json(run.results, "fuzz/results.json");
  } catch (const Error&) {
    return 0;
  }
  if (parts.size() < 3) return 0;
  try {
    run.decision_map = csv::parse(parts[1], "fuzz/decision_map.csv", 1 << 16);
    run.sces = csv::parse(parts[2], "fuzz/sces.csv", 1 << 16);
    const auto page = report::run_page_data(run);
    (void)page.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const Error&) {
  }
  return 0;
}
