// sceval.Reward: the verifier's reward (include/sceval/reward.h) for one completion at a time; the
// Python layer (sceval/_reward.py) makes it a TRL reward function.
#include <pybind11/stl.h>

#include "bindings.h"

namespace sceval::python {

void bind_reward(py::module_& m) {
  py::class_<Reward>(m, "Reward")
      .def(py::init([](const std::string& run_dir, const py::object& weights) {
             const RewardWeights w = weights.is_none() ? RewardWeights{} : RewardWeights::from_json(to_json(weights));
             py::gil_scoped_release release;
             return Reward::from_run(run_dir, w);
           }),
           py::arg("run_dir"), py::arg("weights") = py::none())
      .def("score",
           [](const Reward& r, std::uint64_t point_index, const std::string& target, const std::string& completion) {
             return to_python(r.score(point_index, target, completion).to_json());
           },
           py::arg("point_index"), py::arg("target"), py::arg("completion"))
      .def_property_readonly("weights", [](const Reward& r) { return to_python(r.weights().to_json()); });
}

}  // namespace sceval::python
