// sceval.simulate: the simulatability audit (sceval::simulatability). The GIL is released while it
// runs; a Ctrl-C stops it at the next stage report, with every answer so far cached.
#include <pybind11/stl.h>

#include "bindings.h"

namespace sceval::python {

void bind_simulate(py::module_& m) {
  m.def(
      "simulate",
      [](const std::string& run, const std::vector<std::pair<std::string, Model*>>& observers, Model* target,
         const py::dict& options, const std::string& explanation, std::int64_t hamming, std::int64_t per_point,
         const std::string& prompts, const std::string& out, const std::string& shard) {
        const Options o = options_from(options);
        SimulateOptions so;  // by member: the struct grows (new fields keep their defaults)
        so.explanation = explanation;
        so.hamming = hamming;
        so.per_point = per_point;
        so.prompts = prompts;
        so.shard = shard;
        std::vector<Observer> obs;
        for (const auto& [name, model] : observers) obs.push_back({name, model});
        Callbacks cb;
        cb.progress = [](const Progress&) {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        };
        SimulateResult r;
        {
          py::gil_scoped_release nogil;
          r = simulatability(run, obs, target, o, so, out, cb);
        }
        py::dict d;
        d["metrics"] = to_python(r.metrics);
        d["predictions"] = r.predictions.to_csv();
        d["requests"] = r.requests;
        d["cache_hits"] = r.cache_hits;
        d["merged"] = r.merged;
        return d;
      },
      py::arg("run"), py::arg("observers"), py::arg("target"), py::arg("options"), py::arg("explanation"),
      py::arg("hamming"), py::arg("per_point"), py::arg("prompts"), py::arg("out"), py::arg("shard") = "");
}

}  // namespace sceval::python
