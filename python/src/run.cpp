// run, score, closest, load_run, sweeps, compare and the report. Every long call releases the GIL;
// a run checks for Ctrl-C at each progress report (answers so far stay cached: the same call resumes).
#include <pybind11/stl.h>

#include "bindings.h"

namespace sceval::python {

namespace {

py::dict progress_dict(const Progress& p) {
  py::dict d;
  d["stage"] = p.stage;
  d["done"] = p.done;
  d["total"] = p.total;
  d["chunk_done"] = p.chunk_done;
  d["chunk_total"] = p.chunk_total;
  d["cache_hits"] = p.cache_hits;
  d["failures"] = p.failures;
  return d;
}

// Called on the calling thread with the GIL released: takes it, lets Python handle a pending
// signal (KeyboardInterrupt propagates as error_already_set and stops the run), then reports.
Callbacks callbacks(py::object progress) {
  auto fn = std::make_shared<py::object>(std::move(progress));
  Callbacks cb;
  cb.progress = [fn](const Progress& p) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!fn->is_none()) (*fn)(progress_dict(p));
  };
  return cb;
}

py::list samples(const RunResult& r) {
  py::list out;
  for (const auto& s : r.samples) out.append(to_python(s));
  return out;
}

std::vector<std::pair<std::uint64_t, std::string>> only_rows(const py::object& only) {
  if (only.is_none()) return {};
  return only.cast<std::vector<std::pair<std::uint64_t, std::string>>>();
}

}  // namespace

void bind_run(py::module_& m) {
  py::class_<RunResult>(m, "RunResult")
      .def_property_readonly("results", [](const RunResult& r) { return to_python(r.results); })
      .def_property_readonly("decision_map_csv", [](const RunResult& r) { return r.decision_map.to_csv(); })
      .def_property_readonly("sces_csv", [](const RunResult& r) { return r.sces.to_csv(); })
      .def_property_readonly("samples", &samples)
      .def_readonly("requests", &RunResult::requests)
      .def_readonly("cache_hits", &RunResult::cache_hits)
      .def_readonly("asked", &RunResult::asked)
      .def_readonly("failed_requests", &RunResult::failed_requests)
      .def("save", &RunResult::save, py::arg("dir"), py::arg("overwrite") = false,
           py::call_guard<py::gil_scoped_release>());

  m.def(
      "run",
      [](const Task& task, Model& model, const py::dict& options, const std::string& out, py::object progress) {
        const Options o = options_from(options);
        const Callbacks cb = callbacks(std::move(progress));
        py::gil_scoped_release nogil;
        return run(task, model, o, out, cb);
      },
      py::arg("task"), py::arg("model"), py::arg("options"), py::arg("out"), py::arg("progress"));

  m.def(
      "score",
      [](const Task& task, const Table& dm, const Table& sces, const std::string& distance, int bootstrap,
         std::uint64_t seed, const py::object& only) {
        ScoreOptions o;  // by member: the struct grows (new fields keep their defaults)
        o.distance = distance;
        o.bootstrap = bootstrap;
        o.seed = seed;
        o.only = only_rows(only);
        py::gil_scoped_release nogil;
        return score(task, dm, sces, o);
      },
      py::arg("task"), py::arg("decision_map"), py::arg("sces"), py::arg("distance"), py::arg("bootstrap"),
      py::arg("seed"), py::arg("only"));

  m.def(
      "closest_csv",
      [](const Task& task, const Table& dm, const std::string& distance, const std::string& mode) {
        py::gil_scoped_release nogil;
        return closest(task, dm, distance, mode).to_csv();
      },
      py::arg("task"), py::arg("decision_map"), py::arg("distance"), py::arg("mode"));

  m.def("load_run", &load_run, py::arg("dir"), py::call_guard<py::gil_scoped_release>());
  m.def(
      "load_sweep_csv", [](const std::string& dir) { return load_sweep(dir).to_csv(); }, py::arg("dir"),
      py::call_guard<py::gil_scoped_release>());
  m.def("write_report", &write_report, py::arg("run_dirs"), py::arg("out_html"),
        py::call_guard<py::gil_scoped_release>());

  m.def(
      "compare",
      [](const std::string& a, const std::string& b, const std::string& mode, int bootstrap, std::uint64_t seed,
         const std::string& points) {
        CompareOptions o;
        o.mode = mode;
        o.bootstrap = bootstrap;
        o.seed = seed;
        o.points = points;
        nlohmann::json j;
        {
          py::gil_scoped_release nogil;
          j = compare(a, b, o);
        }
        return to_python(j);
      },
      py::arg("run_a"), py::arg("run_b"), py::arg("mode"), py::arg("bootstrap"), py::arg("seed"),
      py::arg("points") = "");

  m.def(
      "sweep",
      [](const std::string& config, const std::string& out, const std::string& shard, const std::string& cache,
         bool summary_only, py::object progress) {
        const Callbacks cb = callbacks(std::move(progress));
        SweepOptions o;
        o.shard = shard;
        o.cache = cache;
        o.summary_only = summary_only;
        SweepReport r;
        {
          py::gil_scoped_release nogil;
          r = sweep(config, out, o, cb);
        }
        py::dict d;
        d["cells"] = r.cells;
        d["ran"] = r.ran;
        d["skipped"] = r.skipped;
        d["incomplete"] = r.incomplete;
        d["summary_rows"] = r.summary_rows;
        return d;
      },
      py::arg("config"), py::arg("out"), py::arg("shard"), py::arg("cache"), py::arg("summary_only"),
      py::arg("progress"));
}

}  // namespace sceval::python
