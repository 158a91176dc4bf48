#pragma once
// Shared helpers of the extension module sceval._sceval: JSON <-> Python and the registration
// functions of each binding file. The Python layer (sceval/__init__.py) turns CSV text into
// DataFrames; this layer only crosses the language boundary.
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

#include "sceval/sceval.h"

namespace sceval::python {

namespace py = pybind11;

// JSON crosses as text through Python's json module: exact for every value results.json holds.
py::object to_python(const nlohmann::json& j);
nlohmann::json to_json(const py::handle& o);

// A conversation as a list of {"role", "content"} dicts, and back.
py::list to_python(const Conversation& c);
Conversation to_conversation(const py::handle& o);

// Run options from keyword arguments, validated by the option table (unknown name: TypeError).
Options options_from(const py::dict& kwargs);

void bind_task(py::module_& m);
void bind_run(py::module_& m);
void bind_model(py::module_& m);
void bind_reward(py::module_& m);
void bind_simulate(py::module_& m);

}  // namespace sceval::python
