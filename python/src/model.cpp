// Models: a spec string, or a Python callable (a rule, a model loaded with transformers) that goes
// through the same cache, chunking, progress and resume as every backend.
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"

namespace sceval::python {

namespace {

// A Python object that C++ may copy and drop without the GIL: the reference is only touched with
// the GIL held (here and in the deleter).
using SharedObject = std::shared_ptr<py::object>;
SharedObject share(py::object o) {
  return SharedObject(new py::object(std::move(o)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

std::vector<std::string> replies_of(const py::object& r, std::size_t n) {
  if (!py::isinstance<py::sequence>(r) || py::isinstance<py::str>(r))
    throw py::type_error("model: the callable must return a list of reply strings, got " +
                         py::str(py::type::of(r)).cast<std::string>());
  auto seq = r.cast<py::sequence>();
  if (seq.size() != n)
    throw Error("model: the callable returned " + std::to_string(seq.size()) + " replies for " + std::to_string(n) +
                " conversations");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    py::object x = seq[i];
    if (!py::isinstance<py::str>(x))
      throw py::type_error("model: reply " + std::to_string(i) + " is not a str but " +
                           py::str(py::type::of(x)).cast<std::string>());
    out.push_back(x.cast<std::string>());
  }
  return out;
}

std::string type_name(const py::handle& x) { return py::str(py::type::of(x)).cast<std::string>(); }

// One number of a score row: a float, int or numpy scalar (anything with __float__), not a str.
double score_value(const py::handle& x, std::size_t row, std::size_t option) {
  if (!py::isinstance<py::str>(x) && !py::isinstance<py::bytes>(x)) {
    const double v = PyFloat_AsDouble(x.ptr());
    if (!(v == -1.0 && PyErr_Occurred())) return v;
    PyErr_Clear();
  }
  throw py::type_error("model.score: row " + std::to_string(row) + ", option " + std::to_string(option) +
                       ": expected a number (a log-probability), got " + type_name(x));
}

// The callable's rows, checked shape by shape (pybind11's own cast names no row); the values are
// checked as log-probabilities by the library (llm::check_log_probabilities), for C++ callers too.
std::vector<std::vector<double>> score_rows(const py::object& out, const std::vector<LabelScoreRequest>& requests) {
  auto is_list = [](const py::handle& x) {
    return py::isinstance<py::sequence>(x) && !py::isinstance<py::str>(x) && !py::isinstance<py::bytes>(x);
  };
  if (!is_list(out))
    throw py::type_error("model.score: expected a list with one list of log-probabilities per conversation, got " +
                         type_name(out));
  auto seq = py::reinterpret_borrow<py::sequence>(out);
  if (seq.size() != requests.size())
    throw Error("model.score: returned " + std::to_string(seq.size()) + " rows for " + std::to_string(requests.size()) +
                " requests");
  std::vector<std::vector<double>> rows(seq.size());
  for (std::size_t i = 0; i < seq.size(); ++i) {
    py::object row = seq[i];
    if (!is_list(row))
      throw py::type_error("model.score: row " + std::to_string(i) + ": expected a list of log-probabilities, got " +
                           type_name(row));
    auto values = py::reinterpret_borrow<py::sequence>(row);
    if (values.size() != requests[i].options.size())
      throw Error("model.score: row " + std::to_string(i) + " has " + std::to_string(values.size()) +
                  " log-probabilities for " + std::to_string(requests[i].options.size()) + " options");
    for (std::size_t k = 0; k < values.size(); ++k) rows[i].push_back(score_value(values[k], i, k));
  }
  return rows;
}

GenerateFunction generate_function(SharedObject fn) {
  return [fn](const std::vector<Conversation>& conversations, const GenerateOptions&) {
    py::gil_scoped_acquire gil;
    py::list arg;
    for (const auto& c : conversations) arg.append(to_python(c));
    return replies_of((*fn)(arg), conversations.size());
  };
}

// score(conversations, options): each conversation ends with the answer prefix as a partial
// assistant message (when the task has one); options[i] are request i's label texts.
ScoreFunction score_function(SharedObject fn) {
  return [fn](const std::vector<LabelScoreRequest>& requests) {
    py::gil_scoped_acquire gil;
    py::list conversations, options;
    for (const auto& r : requests) {
      Conversation c = r.messages;
      if (!r.answer_prefix.empty()) c.push_back({"assistant", r.answer_prefix});
      conversations.append(to_python(c));
      options.append(py::cast(r.options));
    }
    return score_rows((*fn)(conversations, options), requests);
  };
}

// A keyword's value as JSON for the option table, which names the option in its range errors. A
// float goes in as it is: through json.dumps, NaN became the JSON library's parse error text.
nlohmann::json option_value(const std::string& name, const py::handle& v) {
  if (py::isinstance<py::float_>(v)) return v.cast<double>();
  try {
    return to_json(v);
  } catch (const py::error_already_set&) {
  } catch (const nlohmann::json::exception&) {
  }
  throw py::type_error(name + ": expected a number, str, bool, list or None, got " + type_name(v));
}

Options options_of(const py::dict& kwargs) {
  Options o;
  for (const auto& [k, v] : kwargs) {
    if (!py::isinstance<py::str>(k)) throw py::type_error("options: a key is not a str but " + type_name(k));
    const auto name = k.cast<std::string>();
    if (!find_option(name))
      throw py::type_error("unexpected keyword argument '" + name + "' (the run options are sceval.options())");
    o.set(name, option_value(name, v), name);
  }
  return o;
}

}  // namespace

Options options_from(const py::dict& kwargs) { return options_of(kwargs); }

void bind_model(py::module_& m) {
  py::class_<Model>(m, "Model")
      .def_static(
          "open",
          [](const std::string& spec, const py::dict& options) {
            const Options o = options_of(options);
            py::gil_scoped_release nogil;  // loading a GGUF takes a while
            return Model::open(spec, o);
          },
          py::arg("spec"), py::arg("options") = py::dict())
      .def_static(
          "from_callable",
          [](const std::string& identity, py::object generate, py::object score) {
            ScoreFunction s;
            if (!score.is_none()) s = score_function(share(score));
            return Model::from_functions(identity, generate_function(share(std::move(generate))), s);
          },
          py::arg("identity"), py::arg("generate"), py::arg("score") = py::none())
      .def_property_readonly("info", [](const Model& m) { return to_python(m.info()); })
      .def_property_readonly("identity", &Model::identity)
      .def_property_readonly("supports_scoring", &Model::supports_scoring);
}

}  // namespace sceval::python
