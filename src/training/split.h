#pragma once
// Train / held-out splits of a task's grid points, split.json, and point selections read back
// from it ("split.json:heldout") so a later audit can be scored on the held-out points alone.
#include <optional>
#include <string>
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

// {"kind": "split", "schema_version": 1, "spec", "task", "grid_points", "run": {"path", "sha256"},
//  "train": [...], "heldout": [...]}
nlohmann::ordered_json split_json(const Split& s, const grid::Grid& g, const std::string& run_dir,
                                  const std::string& run_sha256);
void write_split(const std::string& path, const nlohmann::ordered_json& j);

// A set of grid points read from "FILE:train" or "FILE:heldout" (FILE written by write_split).
struct PointSelection {
  std::string source;  // the spec, for messages
  std::string task;    // the task the split was made for
  grid::Index grid_points = 0;
  std::vector<bool> member;  // per grid index
  bool contains(grid::Index i) const { return i < member.size() && member[i]; }
  std::size_t size() const;
};
PointSelection read_point_selection(const std::string& spec);
// Throws sceval::Error unless the selection was made for a grid of this task and size.
void check_selection(const PointSelection& sel, const std::string& task_name, grid::Index grid_points);

}  // namespace sceval::training
