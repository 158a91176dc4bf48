#pragma once
// The Python values ast.literal_eval builds, before they are turned into JSON (internal).
#include <string>
#include <vector>

#include "parse/python.h"

namespace sceval::parse::py::detail {

struct LiteralFail {
  std::string message;
};

[[noreturn]] inline void literal_fail(std::string message) { throw LiteralFail{std::move(message)}; }

// A Python value as ast.literal_eval builds it. Values json.dumps cannot write (complex, bytes,
// Ellipsis, sets, tuple keys) are kept until the end: a later duplicate dict key may replace them.
struct PyValue {
  enum class Type { None, Bool, Int, Float, Complex, Str, Bytes, Ellipsis, Tuple, List, Set, Dict };
  Type type = Type::None;
  bool b = false;
  Json num;                      // Int (a double beyond 64 bits) or Float
  double re = 0, im = 0;         // Complex
  std::u32string str;            // Str: code points; Bytes: one element per byte
  std::vector<PyValue> items;    // Tuple, List
  std::vector<PyValue> entries;  // Dict: key, value, key, value, ... in insertion order
};
using PyType = PyValue::Type;

bool hashable(const PyValue& v);
bool is_numeric(const PyValue& v);
// Python == between two real numbers (bool, int, float): ints exactly, int vs float exactly.
bool real_equal(const PyValue& a, const PyValue& b);
// Python == between two hashable values (dict keys).
bool py_equal(const PyValue& a, const PyValue& b);
// json.loads(json.dumps(v)): fails (LiteralFail) where json.dumps raises TypeError.
Json to_json(const PyValue& v);

}  // namespace sceval::parse::py::detail
