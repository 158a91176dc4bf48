// `sceval cache merge|export|import`: pool per-shard response caches and ship them as JSONL
// (library: include/sceval/cache.h; docs/cache.md, "Clusters").
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "sceval/cache.h"
#include "sceval/error.h"

namespace sceval::cli {
namespace {

struct CacheArgs {
  std::vector<std::string> sources;
  std::string input, output;
};

void print(const char* what, const CacheMergeStats& s, const std::string& target) {
  fmt::print("{} {} rows into {}: {} new, {} replaced, {} kept as they were\n", what, s.read, target, s.added,
             s.replaced, s.kept);
}

}  // namespace

void add_cache_command(CLI::App& app) {
  static CacheArgs a;
  auto* c = app.add_subcommand("cache", "Pool and ship response caches (merge, export/import JSONL)");
  c->require_subcommand(1);

  auto* merge = c->add_subcommand(
      "merge", "Merge caches into a new file (the same key twice: ok beats error, then the earlier answer)");
  merge->add_option("caches", a.sources, "Cache files (.sqlite)")->required()->check(CLI::ExistingFile);
  merge->add_option("-o,--output", a.output, "New cache file")->required();
  merge->callback([] { print("merged", merge_caches(a.sources, a.output), a.output); });

  auto* exp = c->add_subcommand("export", "Write a cache as JSONL, one row per line");
  exp->add_option("cache", a.input, "Cache file (.sqlite)")->required()->check(CLI::ExistingFile);
  exp->add_option("-o,--output", a.output, "JSONL file")->required();
  exp->callback([] { fmt::print("exported {} rows to {}\n", export_cache(a.input, a.output), a.output); });

  auto* imp = c->add_subcommand("import", "Add the rows of a JSONL export to a cache (created when missing)");
  imp->add_option("jsonl", a.input, "JSONL file from sceval cache export")->required()->check(CLI::ExistingFile);
  imp->add_option("-o,--output,--cache", a.output, "Cache file (.sqlite)")->required();
  imp->callback([] { print("imported", import_cache(a.input, a.output), a.output); });
}

}  // namespace sceval::cli
