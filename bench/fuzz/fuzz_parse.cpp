// libFuzzer target for the parse module: any bytes through parse_json_from_text, extract_answer,
// parse_sce (the three paper tasks, paper and lenient options; the reply's JSON read once) and the Python building
// blocks. Built by CMake with -DSCEVAL_FUZZ=ON (bench/fuzz/CMakeLists.txt); bench/fuzz/run-fuzz.sh runs it. Besides
// crashes and sanitizer reports, it traps on broken invariants (a parsed value that is not an object/array, a record
// off the axes, an ok status without a record, ...).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parse/parse.h"
#include "parse/python.h"
#include "parse/repairs.h"
#include "parse/unicode.h"
#include "task/task.h"

namespace {

std::vector<sceval::task::Task>* tasks = nullptr;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_sce(const sceval::task::Task& t, const sceval::parse::SceParse& s) {
  using sceval::parse::Status;
  check(s.values.size() == t.features.size() && s.feature_status.size() == t.features.size());
  check(s.ok() == s.record.has_value());
  check(s.ok() == s.detail.empty());
  if (s.record) {
    for (std::size_t j = 0; j < t.features.size(); ++j) {
      check((*s.record)[j] < t.features[j].size());
      check(s.values[j].has_value() && *s.values[j] == static_cast<double>(t.features[j].code((*s.record)[j])));
    }
  }
  if (s.status == Status::OffGrid)
    for (std::size_t j = 0; j < t.features.size(); ++j) check(s.values[j].has_value());
  // Valid UTF-8 throughout (a strict dump throws otherwise, and the fuzzer reports it).
  (void)s.raw.dump(-1, ' ', false, sceval::parse::Json::error_handler_t::strict);
  (void)sceval::parse::Json(s.detail).dump(-1, ' ', false, sceval::parse::Json::error_handler_t::strict);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("SCEVAL_TASK_DIR");
  std::string base = dir ? dir : SCEVAL_FUZZ_TASK_DIR;
  tasks = new std::vector<sceval::task::Task>;
  for (const char* name : {"income", "house_prices", "heart_disease"})
    tasks->push_back(sceval::task::load_task_file(base + "/" + name + ".json"));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sceval::parse;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  JsonParse j = parse_json_from_text(text);
  check(j.ok() == (j.failure == JsonFailure::None));
  check(j.ok() == (j.repair != JsonRepair::None));
  if (j.ok()) {
    check(j.value->is_object() || j.value->is_array());
    (void)j.value->dump(-1, ' ', true, Json::error_handler_t::strict);
  }

  Answer a = extract_answer(text);
  check(!a.text.empty());
  (void)Json(a.text).dump(-1, ' ', false, Json::error_handler_t::strict);
  (void)Json(j.detail).dump(-1, ' ', false, Json::error_handler_t::strict);
  // The text form once; then every task and option set on the JSON read above (parsing it
  // again for each would only repeat parse_json_from_text, the costliest step).
  check_sce(tasks->front(), parse_sce(tasks->front(), text));
  for (const auto& t : *tasks) {
    (void)label_of_answer(t, a);
    check_sce(t, parse_sce(t, j));
    check_sce(t, parse_sce(t, j, SceOptions::lenient()));
  }

  // The building blocks on their own, on the raw text.
  std::u32string u = sceval::parse::unicode::decode_utf8(text);
  if (auto v = py::json_loads(u)) (void)v->dump(-1, ' ', false, Json::error_handler_t::strict);
  if (auto v = py::literal_eval_json(u)) (void)v->dump(-1, ' ', false, Json::error_handler_t::strict);
  (void)py::float_from_string(u);
  (void)py::first_integer(u);
  (void)py::normalize(u);
  (void)repairs::regex_fixes(u);
  if (u.size() < 256) (void)py::repr(Json(sceval::parse::unicode::encode_utf8(u)));
  return 0;
}
