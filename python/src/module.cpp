// The extension module sceval._sceval: errors, version, JSON helpers, and the binding files.
#include <pybind11/stl.h>

#include "bindings.h"

namespace sceval::python {

py::object to_python(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json to_json(const py::handle& o) {
  return nlohmann::json::parse(py::module_::import("json").attr("dumps")(o).cast<std::string>());
}

py::list to_python(const Conversation& c) {
  py::list out;
  for (const auto& m : c) {
    py::dict d;
    d["role"] = m.role;
    d["content"] = m.content;
    out.append(d);
  }
  return out;
}

Conversation to_conversation(const py::handle& o) {
  Conversation c;
  for (const auto& m : o) c.push_back({m["role"].cast<std::string>(), m["content"].cast<std::string>()});
  return c;
}

}  // namespace sceval::python

PYBIND11_MODULE(_sceval, m) {
  namespace sp = sceval::python;
  m.doc() = "Low-level bindings of libsceval (use the sceval package, not this module).";
  // sceval.Error: a ValueError, so `except ValueError` catches bad input too; the message is the
  // C++ one (file, line, field).
  static pybind11::exception<sceval::Error> error(m, "Error", PyExc_ValueError);
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const sceval::Error& e) {
      error(e.what());
    }
  });
  m.def("version", [] { return std::string(sceval::version()); });
  sp::bind_task(m);
  sp::bind_model(m);
  sp::bind_reward(m);
  sp::bind_run(m);
  sp::bind_simulate(m);
}
