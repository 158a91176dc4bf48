// sceval.Reward: the verifier's reward (include/sceval/reward.h); the Python layer
// (sceval/_reward.py) makes it a TRL reward function.
#include <pybind11/stl.h>

#include "bindings.h"

namespace sceval::python {

void bind_reward(py::module_& m) {
  py::class_<Reward>(m, "Reward")
      .def(py::init([](const std::string& run_dir, const py::object& weights, Model* live, const py::dict& options) {
             const RewardWeights w = weights.is_none() ? RewardWeights{} : RewardWeights::from_json(to_json(weights));
             const Options o = options_from(options);
             py::gil_scoped_release release;
             return Reward::from_run(run_dir, w, live, o);
           }),
           py::arg("run_dir"), py::arg("weights") = py::none(), py::arg("live") = nullptr,
           py::arg("options") = py::dict(), py::keep_alive<1, 4>())  // the live model outlives the reward
      .def(
          "score",
          [](const Reward& r, std::uint64_t point_index, const std::string& target, const std::string& completion) {
            return to_python(r.score(point_index, target, completion).to_json());
          },
          py::arg("point_index"), py::arg("target"), py::arg("completion"))
      .def(
          "score_batch",
          [](const Reward& r, const std::vector<std::uint64_t>& points, const std::vector<std::string>& targets,
             const std::vector<std::string>& completions) {
            if (points.size() != completions.size() || targets.size() != completions.size())
              throw Error("reward: point_index, target and completions differ in length");
            std::vector<RewardRequest> batch;
            for (std::size_t n = 0; n < completions.size(); ++n)
              batch.push_back({points[n], targets[n], completions[n]});
            std::vector<RewardScore> scores;
            {
              py::gil_scoped_release release;  // a live model may be a Python callable: it takes the GIL back
              scores = r.score(batch);
            }
            py::list out;
            for (const auto& s : scores) out.append(to_python(s.to_json()));
            return out;
          },
          py::arg("point_index"), py::arg("target"), py::arg("completions"))
      .def_property_readonly("weights", [](const Reward& r) { return to_python(r.weights().to_json()); });
}

}  // namespace sceval::python
