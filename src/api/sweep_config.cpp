// The sweep config reader and each cell's options (see sweep_config.h).
#include "api/sweep_config.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"

namespace sceval::api {
namespace {

void require_keys(const nlohmann::json& j, std::initializer_list<const char*> allowed, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", where));
  for (const auto& item : j.items()) {
    const std::string& k = item.key();  // not a structured binding: clang 14 cannot capture those
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }) == allowed.end())
      throw Error(fmt::format("{}: unknown field \"{}\"", where, k));
  }
}

// Letters, digits, '.', '-', '_' (starting with a letter or digit), and no "__": cell names split there.
bool good_alias(const std::string& a) {
  auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'; };
  return !a.empty() && std::isalnum(static_cast<unsigned char>(a[0])) && std::all_of(a.begin(), a.end(), ok) &&
         a.find("__") == std::string::npos;
}

SweepModel read_model(const nlohmann::json& m, const std::string& where) {
  require_keys(m, {"alias", "spec", "settings"}, where);
  if (!m.contains("alias") || !m["alias"].is_string() || !m.contains("spec") || !m["spec"].is_string())
    throw Error(where + ": needs \"alias\" and \"spec\" strings");
  SweepModel e{m["alias"], m["spec"], m.value("settings", nlohmann::json::object())};
  if (!good_alias(e.alias))
    throw Error(fmt::format("{}: alias \"{}\": use letters, digits, '.', '-', '_' (not \"__\")", where, e.alias));
  return e;
}

}  // namespace

SweepConfig parse_sweep_config(std::string_view text, const std::string& path) {
  const nlohmann::json j = parse_json_bounded(text, path);
  require_keys(j, {"models", "tasks", "settings", "description"}, path);
  if (!j.contains("models") || !j["models"].is_array() || j["models"].empty())
    throw Error(fmt::format("{}: \"models\" must be a non-empty list", path));
  if (!j.contains("tasks") || !j["tasks"].is_array() || j["tasks"].empty())
    throw Error(fmt::format("{}: \"tasks\" must be a non-empty list of names or globs", path));
  SweepConfig c;
  for (std::size_t i = 0; i < j["models"].size(); ++i) {
    const auto where = fmt::format("{}: models[{}]", path, i);
    SweepModel e = read_model(j["models"][i], where);
    for (const auto& other : c.models)
      if (other.alias == e.alias) throw Error(fmt::format("{}: alias \"{}\" is used twice", where, e.alias));
    c.models.push_back(std::move(e));
  }
  std::vector<std::string> patterns;
  for (const auto& t : j["tasks"]) {
    if (!t.is_string()) throw Error(fmt::format("{}: tasks: expected strings, got {}", path, t.dump()));
    patterns.push_back(t);
  }
  c.tasks = experiment::expand_tasks(patterns, path + ": tasks");
  c.settings = j.value("settings", nlohmann::json::object());
  return c;
}

Options cell_options(const SweepConfig& c, const SweepModel& m, const std::string& cache, const std::string& path) {
  Options opts;
  opts.update(c.settings, path + ": settings");
  const auto i =
      std::find_if(c.models.begin(), c.models.end(), [&](const SweepModel& e) { return e.alias == m.alias; }) -
      c.models.begin();
  opts.update(m.settings, fmt::format("{}: models[{}].settings", path, i));
  if (!cache.empty()) opts.set("cache", cache);
  return opts;
}

void check_cell_folder(const std::string& name, const std::string& where) {
  constexpr std::size_t kNameMax = 255;  // NAME_MAX: the longest file or folder name, in bytes
  if (name.size() <= kNameMax) return;
  const std::string shown = name.substr(0, 40) + "...";
  throw Error(
      fmt::format("{}: cell \"{}\": its folder name is {} bytes, longer than {} (the limit of a file name); "
                  "shorten the model's alias or the task's name",
                  where, shown, name.size(), kNameMax));
}

void check_cell_cache(const std::string& path, const std::string& field, const std::string& where) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& why) { throw Error(fmt::format("{}: {} \"{}\": {}", where, field, path, why)); };
  const fs::file_type type = path_type(path);
  if (type == fs::file_type::directory)
    fail("is a folder; the response cache is a file (e.g. " + (fs::path(path) / "responses.sqlite").string() + ")");
  if (type != fs::file_type::not_found && type != fs::file_type::regular)
    fail("is not a regular file (a device, pipe or socket); the response cache is a SQLite file");
  if (type == fs::file_type::regular) {
    if (::access(path.c_str(), R_OK | W_OK) != 0) fail("cannot be read and written (permissions)");
    return;
  }
  // A new file: the nearest existing folder above it must be a folder we may write in.
  for (fs::path p = fs::path(path).lexically_normal().parent_path(); !p.empty(); p = p.parent_path()) {
    const fs::file_type t = path_type(p);
    if (t == fs::file_type::not_found && p != p.parent_path()) continue;  // created with the cache
    if (t != fs::file_type::directory) fail(fmt::format("cannot be created: {} is not a folder", p.string()));
    if (::access(p.c_str(), W_OK | X_OK) != 0)
      fail(fmt::format("cannot be created: no write permission in {}", p.string()));
    return;
  }
  if (::access(".", W_OK | X_OK) != 0) fail("cannot be created: no write permission in the working folder");
}

}  // namespace sceval::api
