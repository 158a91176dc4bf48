// Tasks, the option table and CSV tables: the read-only parts of the API.
#include <pybind11/stl.h>

#include "bindings.h"

namespace sceval::python {

namespace {

py::dict feature_dict(const Feature& f) {
  py::dict d;
  d["name"] = f.name;
  d["key"] = f.key;
  d["type"] = f.type;
  d["values"] = f.values;
  return d;
}

const char* type_name(OptionType t) {
  switch (t) {
    case OptionType::Flag:
      return "flag";
    case OptionType::Integer:
      return "integer";
    case OptionType::Number:
      return "number";
    case OptionType::Text:
      return "text";
    case OptionType::Choice:
      return "choice";
  }
  return "?";
}

py::list option_list() {
  py::list out;
  for (const auto& o : option_table()) {
    py::dict d;
    d["name"] = o.name;
    d["flag"] = o.flag();
    d["type"] = type_name(o.type);
    d["help"] = o.help;
    d["default"] = to_python(o.default_value);
    d["choices"] = o.choices;
    d["min"] = o.min;
    d["max"] = o.max;
    d["group"] = o.group;
    d["run"] = (o.scope & scope::kRun) != 0;
    d["recorded"] = o.recorded();
    out.append(d);
  }
  return out;
}

}  // namespace

void bind_task(py::module_& m) {
  m.def("task_names", &task_names);
  m.def("option_table", &option_list);

  py::class_<Table>(m, "Table")
      .def_static("parse_csv", &Table::parse_csv, py::arg("text"), py::arg("source"))
      .def_static("read_csv", &Table::read_csv, py::arg("path"), py::arg("required") = std::vector<std::string>{})
      .def("to_csv", &Table::to_csv)
      .def_readonly("source", &Table::source)
      .def_readonly("columns", &Table::columns);

  py::class_<Task>(m, "Task")
      .def_static("load", &Task::load, py::arg("name_or_path"), py::arg("items") = "")
      .def_static("text", &Task::text, py::arg("task_json"), py::arg("items"))
      .def_property_readonly("is_text", &Task::is_text)
      .def("items_csv", [](const Task& t) { return t.items().to_csv(); })
      .def_property_readonly("name", &Task::name)
      .def_property_readonly("path", &Task::path)
      .def_property_readonly("spec", &Task::spec)
      .def_property_readonly("distance", &Task::distance)
      .def_property_readonly("options", &Task::options)
      .def_property_readonly("features",
                             [](const Task& t) {
                               py::list out;
                               for (const auto& f : t.features()) out.append(feature_dict(f));
                               return out;
                             })
      .def("size", &Task::size)
      .def("point", &Task::point, py::arg("index"))
      .def("grid_csv", [](const Task& t) { return t.grid().to_csv(); })
      .def(
          "messages",
          [](const Task& t, std::uint64_t index, bool followup, std::optional<std::string> complement,
             std::optional<std::string> reply, std::optional<std::string> system) {
            if (index >= t.size())
              throw Error("messages: index " + std::to_string(index) + " is past the grid (" +
                          std::to_string(t.size()) + " points)");
            return to_python(t.messages(index, {followup, complement, reply, system}));
          },
          py::arg("index"), py::arg("followup") = false, py::arg("complement") = py::none(),
          py::arg("reply") = py::none(), py::arg("system") = py::none());
}

}  // namespace sceval::python
