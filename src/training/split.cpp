#include "training/split.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>

#include "common/error.h"
#include "common/file.h"
#include "common/json_bounded.h"

namespace sceval::training {
namespace {

constexpr std::string_view kGridSpecs = "expected random:FRACTION:SEED or a predicate such as age>=50";

[[noreturn]] void bad_spec(const std::string& spec, const std::string& why, std::string_view expected = kGridSpecs) {
  throw Error(fmt::format("--split \"{}\": {} ({})", spec, why, expected));
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::vector<bool> random_heldout(std::uint64_t n, const std::string& spec, std::string_view expected) {
  if (spec.rfind("random:", 0) != 0) bad_spec(spec, "not random:FRACTION:SEED", expected);
  auto rest = spec.substr(7);  // after "random:"
  auto colon = rest.find(':');
  if (colon == std::string::npos) bad_spec(spec, "no seed", expected);
  double fraction = 0;
  std::uint64_t seed = 0;
  if (!parse_number(std::string_view(rest).substr(0, colon), fraction) || !(fraction >= 0 && fraction <= 1))
    bad_spec(spec, "FRACTION must be a number in [0, 1] (the share of points held out)", expected);
  if (!parse_number(std::string_view(rest).substr(colon + 1), seed))
    bad_spec(spec, "SEED must be an unsigned integer", expected);
  // Fisher-Yates with mt19937_64 draws reduced modulo i + 1: the standard distributions differ
  // between C++ libraries, this does not.
  std::vector<std::uint64_t> order(n);
  for (std::uint64_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (std::uint64_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  const auto n_out = static_cast<std::uint64_t>(std::llround(fraction * static_cast<double>(n)));
  std::vector<bool> out(n, false);
  for (std::uint64_t k = 0; k < n_out; ++k) out[order[k]] = true;
  return out;
}

namespace {

struct Predicate {
  std::size_t feature = 0;
  std::string op;
  std::string value;
};

Predicate parse_predicate(const grid::Grid& g, const std::string& spec) {
  static const char* ops[] = {">=", "<=", "!=", "==", ">", "<", "="};
  for (std::size_t pos = 0; pos < spec.size(); ++pos)
    for (const char* op : ops)
      if (spec.compare(pos, std::char_traits<char>::length(op), op) == 0) {
        std::string name = spec.substr(0, pos);
        for (std::size_t j = 0; j < g.dims(); ++j)
          if (g.feature(j).name == name || g.feature(j).key == name)
            return {j, op, spec.substr(pos + std::char_traits<char>::length(op))};
        std::string known;
        for (std::size_t j = 0; j < g.dims(); ++j) known += (j ? ", " : "") + g.feature(j).name;
        bad_spec(spec, fmt::format("no feature \"{}\" in the task (features: {})", name, known));
      }
  bad_spec(spec, "no comparison operator");
}

bool compare(double a, const std::string& op, double b) {
  if (op == ">=") return a >= b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == "<") return a < b;
  if (op == "!=") return a != b;
  return a == b;
}

std::vector<bool> predicate_heldout(const grid::Grid& g, const std::string& spec) {
  Predicate p = parse_predicate(g, spec);
  const task::Feature& f = g.feature(p.feature);
  double rhs = 0;
  // A finite number, else a level's text ("nan" and "inf" parse as numbers but hold nowhere or everywhere).
  bool numeric = parse_number(std::string_view(p.value), rhs) && std::isfinite(rhs);
  if (!numeric) {  // a level's text: compare codes (ordinal) or identity (categorical)
    auto pos = f.position_of_text(p.value);
    if (!pos) bad_spec(spec, fmt::format("\"{}\" is neither a finite number nor a level of {}", p.value, f.name));
    rhs = static_cast<double>(f.code(*pos));
  }
  if (!f.numeric() && p.op != "==" && p.op != "=" && p.op != "!=")
    bad_spec(spec, fmt::format("{} is categorical: only == and != compare its values", f.name));
  std::vector<bool> out(g.size(), false);
  for (grid::Index i = 0; i < g.size(); ++i)
    out[i] = compare(static_cast<double>(f.code(g.position(i, p.feature))), p.op, rhs);
  return out;
}

}  // namespace

Split make_split(const grid::Grid& g, const std::string& spec) {
  if (spec.empty())
    throw Error("--split: empty (give random:FRACTION:SEED or a predicate such as age>=50, or no --split)");
  std::vector<bool> held =
      spec.rfind("random:", 0) == 0 ? random_heldout(g.size(), spec, kGridSpecs) : predicate_heldout(g, spec);
  Split s{spec, {}, {}};
  for (grid::Index i = 0; i < g.size(); ++i) (held[i] ? s.heldout : s.train).push_back(i);
  return s;
}

nlohmann::ordered_json split_json(const Split& s, const grid::Grid& g, const std::string& run_dir,
                                  const std::string& run_sha256) {
  return {{"kind", "split"},       {"schema_version", 1},     {"spec", s.spec},
          {"task", g.task().name}, {"grid_points", g.size()}, {"run", {{"path", run_dir}, {"sha256", run_sha256}}},
          {"train", s.train},      {"heldout", s.heldout}};
}

void write_split(std::ostream& out, const nlohmann::ordered_json& j) { out << j.dump(1) << '\n'; }

void write_split(const std::string& path, const nlohmann::ordered_json& j) {
  AtomicWriter w(path);
  write_split(w.out(), j);
  w.commit();
}

bool PointSelection::contains(grid::Index i) const { return std::binary_search(points.begin(), points.end(), i); }

namespace {

struct SplitFile {
  std::string path, part;
  nlohmann::json j;
};

SplitFile read_split_file(const std::string& spec) {
  auto colon = spec.rfind(':');
  if (colon == std::string::npos)
    throw Error(fmt::format("--points \"{}\": expected SPLIT.json:train or SPLIT.json:heldout", spec));
  SplitFile f{spec.substr(0, colon), spec.substr(colon + 1), {}};
  if (f.part != "train" && f.part != "heldout")
    throw Error(fmt::format("--points \"{}\": the part after ':' must be train or heldout", spec));
  f.j = parse_json_bounded(read_file_text(f.path, "split file"), f.path);
  const auto& j = f.j;
  // Compared as JSON values: a field of another type is "not a split file", not a type_error.
  if (!j.is_object() || !j.contains("kind") || j["kind"] != "split" || !j.contains("schema_version") ||
      j["schema_version"] != 1 || !j.contains("grid_points") || !j["grid_points"].is_number_unsigned() ||
      !j.contains(f.part) || !j[f.part].is_array())
    throw Error(
        fmt::format("{}: not a split file (needs \"kind\": \"split\", \"schema_version\": 1, "
                    "grid_points and {})",
                    f.path, f.part));
  if (j.contains("task") && !j["task"].is_string())
    throw Error(fmt::format("{}: field \"task\": expected the task's name", f.path));
  return f;
}

PointSelection selection_of(const std::string& spec, const SplitFile& f, bool read_points) {
  PointSelection sel;
  sel.source = spec;
  sel.path = f.path;
  sel.task = f.j.value("task", "");
  sel.grid_points = f.j["grid_points"].get<grid::Index>();
  if (!read_points) return sel;
  const auto& list = f.j[f.part];
  sel.points.reserve(list.size());
  for (std::size_t k = 0; k < list.size(); ++k) {
    const auto& v = list[k];
    if (!v.is_number_unsigned() || v.get<grid::Index>() >= sel.grid_points)
      throw Error(
          fmt::format("{}: field \"{}\"[{}]: expected a grid index below {}", f.path, f.part, k, sel.grid_points));
    sel.points.push_back(v.get<grid::Index>());
  }
  std::sort(sel.points.begin(), sel.points.end());
  sel.points.erase(std::unique(sel.points.begin(), sel.points.end()), sel.points.end());
  return sel;
}

}  // namespace

PointSelection read_point_selection(const std::string& spec) {
  const SplitFile f = read_split_file(spec);
  return selection_of(spec, f, true);
}

void check_selection(const PointSelection& sel, const std::string& task_name, grid::Index grid_points) {
  if (!sel.task.empty() && sel.task != task_name)
    throw Error(fmt::format("{}: field \"task\": the split was made for task {}, but this run is task {} (--points {})",
                            sel.path, sel.task, task_name, sel.source));
  if (sel.grid_points != grid_points)
    throw Error(
        fmt::format("{}: field \"grid_points\": the split was made for a grid of {} points, but task {} has {} "
                    "(--points {})",
                    sel.path, sel.grid_points, task_name, grid_points, sel.source));
}

PointSelection read_point_selection(const std::string& spec, const std::string& task_name, grid::Index grid_points) {
  const SplitFile f = read_split_file(spec);
  check_selection(selection_of(spec, f, false), task_name, grid_points);
  return selection_of(spec, f, true);
}

}  // namespace sceval::training
