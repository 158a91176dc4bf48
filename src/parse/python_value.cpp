// Python equality and json.dumps rules for the values ast.literal_eval builds.
#include "parse/python_value.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parse/python_internal.h"
#include "parse/unicode.h"

namespace sceval::parse::py::detail {

bool hashable(const PyValue& v) {
  switch (v.type) {
    case PyType::List:
    case PyType::Set:
    case PyType::Dict:
      return false;
    case PyType::Tuple:
      for (const auto& x : v.items)
        if (!hashable(x)) return false;
      return true;
    default:
      return true;
  }
}

bool is_numeric(const PyValue& v) {
  return v.type == PyType::Bool || v.type == PyType::Int || v.type == PyType::Float || v.type == PyType::Complex;
}

// Python == between two real numbers (bool, int, float): ints exactly, int vs float exactly.
bool real_equal(const PyValue& a, const PyValue& b) {
  struct Int {
    bool neg = false;
    std::uint64_t mag = 0;
    bool operator==(const Int&) const = default;
  };
  auto as_int = [](const PyValue& x, Int& out) {
    if (x.type == PyType::Bool) {
      out = {false, x.b ? 1u : 0u};
      return true;
    }
    if (x.type != PyType::Int || x.num.is_number_float()) return false;
    if (x.num.is_number_unsigned()) {
      out = {false, x.num.get<std::uint64_t>()};
    } else {
      std::int64_t i = x.num.get<std::int64_t>();
      out = {i < 0, i < 0 ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i)};
    }
    if (out.mag == 0) out.neg = false;
    return true;
  };
  auto as_double = [](const PyValue& x) { return x.type == PyType::Bool ? (x.b ? 1.0 : 0.0) : x.num.get<double>(); };
  Int ia, ib;
  bool a_int = as_int(a, ia), b_int = as_int(b, ib);
  if (a_int && b_int) return ia == ib;
  if (!a_int && !b_int) return as_double(a) == as_double(b);
  double d = a_int ? as_double(b) : as_double(a);
  const Int& i = a_int ? ia : ib;
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 18446744073709551616.0) return false;
  Int di{d < 0, static_cast<std::uint64_t>(std::fabs(d))};
  if (di.mag == 0) di.neg = false;
  return di == i;
}

// Python == between two hashable values (dict keys).
bool py_equal(const PyValue& a, const PyValue& b) {
  if (is_numeric(a) && is_numeric(b)) {
    if (a.type == PyType::Complex && b.type == PyType::Complex) return a.re == b.re && a.im == b.im;
    if (a.type == PyType::Complex || b.type == PyType::Complex) {
      const PyValue& c = a.type == PyType::Complex ? a : b;
      const PyValue& r = a.type == PyType::Complex ? b : a;
      PyValue re;
      re.type = PyType::Float;
      re.num = c.re;
      return c.im == 0.0 && real_equal(re, r);
    }
    return real_equal(a, b);
  }
  if (a.type != b.type) return false;
  switch (a.type) {
    case PyType::None:
    case PyType::Ellipsis:
      return true;
    case PyType::Str:
    case PyType::Bytes:
      return a.str == b.str;
    case PyType::Tuple:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!py_equal(a.items[i], b.items[i])) return false;
      return true;
    default:
      return false;
  }
}

// json.loads(json.dumps(v)): fails where json.dumps raises TypeError.
Json to_json(const PyValue& v) {
  switch (v.type) {
    case PyType::None:
      return nullptr;
    case PyType::Bool:
      return v.b;
    case PyType::Int:
    case PyType::Float:
      return v.num;
    case PyType::Str:
      return unicode::encode_utf8(v.str);
    case PyType::Tuple:
    case PyType::List: {
      Json a = Json::array();
      for (const auto& x : v.items) a.push_back(to_json(x));
      return a;
    }
    case PyType::Dict: {
      Json o = Json::object();
      for (std::size_t e = 0; e + 1 < v.entries.size(); e += 2) {
        const PyValue& k = v.entries[e];
        const PyValue& x = v.entries[e + 1];
        std::string key;
        switch (k.type) {  // json.dumps' text for a key
          case PyType::Str:
            key = unicode::encode_utf8(k.str);
            break;
          case PyType::None:
            key = "null";
            break;
          case PyType::Bool:
            key = k.b ? "true" : "false";
            break;
          case PyType::Int:
            if (k.num.is_number_unsigned())
              key = std::to_string(k.num.get<std::uint64_t>());
            else if (k.num.is_number_integer())
              key = std::to_string(k.num.get<std::int64_t>());
            else
              key = float_repr(k.num.get<double>());
            break;
          case PyType::Float: {
            double d = k.num.get<double>();
            key = std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : float_repr(d);
            break;
          }
          default:
            literal_fail("keys must be str, int, float, bool or None");
        }
        o[key] = to_json(x);  // equal texts: first position, last value (json.loads)
      }
      return o;
    }
    default:
      literal_fail("Object of this type is not JSON serializable");
  }
}

}  // namespace sceval::parse::py::detail
