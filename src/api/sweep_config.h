#pragma once
// The sweep config reader (docs/sweeps.md): JSON text -> models, expanded tasks, settings; and one
// cell's options through the option table. A library call of its own so that the fuzz target
// (bench/fuzz/fuzz_sweep.cpp) reads configs exactly as `sceval sweep` does. Not installed.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/sweep.h"
#include "sceval/options.h"

namespace sceval::api {

struct SweepModel {
  std::string alias, spec;
  nlohmann::json settings = nlohmann::json::object();
};

struct SweepConfig {
  std::vector<SweepModel> models;
  std::vector<experiment::TaskRef> tasks;  // task names and globs expanded
  nlohmann::json settings = nlohmann::json::object();
};

// Parses a sweep config (`where` names it in errors: the file's path). Throws sceval::Error naming
// the field for unknown keys, bad aliases (also used twice) and task patterns that match nothing.
SweepConfig parse_sweep_config(std::string_view text, const std::string& where);

// One cell's options: the sweep's settings, then the model's own, then `cache` if given. Every
// value is checked by the option table (errors name the config key).
Options cell_options(const SweepConfig& c, const SweepModel& m, const std::string& cache, const std::string& where);

// What a cell needs before the sweep folder is made. Its folder's name (`name`, e.g. "alias__task")
// fits in NAME_MAX (255 bytes); its response cache file `path` can be opened or created: not a
// folder, no file where a folder must be (missing folders are created, as by `run`). Errors start
// with `where` (the config) and name `field` (the flag or config field that gave the cache).
void check_cell_folder(const std::string& name, const std::string& where);
void check_cell_cache(const std::string& path, const std::string& field, const std::string& where);

}  // namespace sceval::api
