#pragma once
// Train / held-out splits of a task's grid points, split.json, and point selections read back
// from it ("split.json:heldout") so a later audit can be scored on the held-out points alone.
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "grid/grid.h"

namespace sceval::training {

// "random:FRACTION:SEED": FRACTION (0..1) of the grid points held out, drawn with a seeded
// mt19937_64 Fisher-Yates shuffle (the same on every platform).
// "<feature><op><value>" (op: >= <= > < == = !=): the points where the predicate holds are held
// out. The feature is named by its name or its JSON key (AGEP or age); numbers compare with
// integer values or level codes, texts must be a level's exact text (== / != only for categories).
struct Split {
  std::string spec;
  std::vector<grid::Index> train, heldout;  // ascending; together every grid point once
};
Split make_split(const grid::Grid& g, const std::string& spec);
// The draw of "random:FRACTION:SEED" over indices 0..n-1 (true: held out), for grid points and text
// items alike; `expected` ends the message of a malformed spec (what the caller accepts).
std::vector<bool> random_heldout(std::uint64_t n, const std::string& spec, std::string_view expected);

// {"kind": "split", "schema_version": 1, "spec", "task", "grid_points", "run": {"path", "sha256"},
//  "train": [...], "heldout": [...]}
nlohmann::ordered_json split_json(const Split& s, const grid::Grid& g, const std::string& run_dir,
                                  const std::string& run_sha256);
void write_split(std::ostream& out, const nlohmann::ordered_json& j);
void write_split(const std::string& path, const nlohmann::ordered_json& j);  // atomically

// A set of grid points read from "FILE:train" or "FILE:heldout" (FILE written by write_split).
// Held as the listed indices, so memory follows the file, never its "grid_points".
struct PointSelection {
  std::string source;  // the spec, for messages
  std::string path;    // FILE
  std::string task;    // the task the split was made for
  grid::Index grid_points = 0;
  std::vector<grid::Index> points;  // ascending, no duplicates
  bool contains(grid::Index i) const;
  std::size_t size() const { return points.size(); }
};
PointSelection read_point_selection(const std::string& spec);
// Throws sceval::Error naming the file and its field ("task", "grid_points") unless the selection
// was made for a grid of this task and size.
void check_selection(const PointSelection& sel, const std::string& task_name, grid::Index grid_points);
// Both in one: the task and grid size are checked before the indices are read.
PointSelection read_point_selection(const std::string& spec, const std::string& task_name, grid::Index grid_points);

}  // namespace sceval::training
