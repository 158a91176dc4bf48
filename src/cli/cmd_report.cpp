// `sceval report RUN_DIR... -o report.html`: one self-contained HTML page for run directories.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "sceval/sceval.h"

namespace sceval::cli {

void add_report_command(CLI::App& app) {
  static std::vector<std::string> runs;
  static std::string output = "report.html";
  auto* c = app.add_subcommand("report",
                               "One self-contained HTML page (charts, tables, samples) for run or sweep directories");
  c->add_option("runs", runs, "Run directories, or sweep directories (every subdirectory with results.json)")
      ->required();
  c->add_option("-o,--output", output, "HTML file to write")->capture_default_str();
  c->callback([] {
    std::size_t n = write_report(runs, output);
    std::error_code ec;  // the page is written; without a working directory, show the path as given
    const auto shown = std::filesystem::absolute(output, ec);
    fmt::print("wrote {} ({} run{})\n", ec ? output : shown.lexically_normal().string(), n, n == 1 ? "" : "s");
  });
}

}  // namespace sceval::cli
