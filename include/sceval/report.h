#pragma once
// The offline HTML report: one self-contained page for run directories and sweep directories.
#include <cstddef>
#include <string>
#include <vector>

namespace sceval {

// Returns the number of runs on the page.
std::size_t write_report(const std::vector<std::string>& run_dirs, const std::string& out_html);

}  // namespace sceval
