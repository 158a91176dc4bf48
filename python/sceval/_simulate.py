"""sceval.simulate: simulatability audits (NSG) over a finished run directory (docs/simulate.md)."""
from __future__ import annotations

import io
import os
from typing import Any, Callable, Dict, Mapping, Optional, Union

import pandas as pd

from ._built import _sceval
from ._options import with_run_options

PathLike = Union[str, "os.PathLike[str]"]


class SimulateResult:
    """What :func:`simulate` returns: ``metrics`` (simulate.json as a dict) and ``predictions``
    (simulate.csv as a DataFrame: reference_index, counterfactual_index, hamming, reference_answer,
    target_answer, observer, explanation, prediction_without, prediction_with, sce_valid,
    sce_exact_minimal, sce_target); ``requests`` and ``cache_hits`` of the call; ``path``: where it
    was written; ``merged``: a shard that found every shard finished and merged them (``metrics``
    and ``predictions`` are then the merged audit's)."""

    def __init__(self, raw: Dict[str, Any], path: Optional[str]):
        self.metrics: Dict[str, Any] = raw["metrics"]
        text = raw["predictions"]
        self.predictions = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""],
                                       dtype={"reference_answer": str, "target_answer": str,
                                              "prediction_without": str, "prediction_with": str})
        self.requests: int = raw["requests"]
        self.cache_hits: int = raw["cache_hits"]
        self.merged: bool = raw.get("merged", False)
        self.path = path


def make_simulate(model_of: Callable[[Any, Dict[str, Any]], Any], path_of: Callable[[Any, str], str]):
    """The public function, given the package's own model and path converters."""

    @with_run_options(_sceval.option_table())
    def simulate(run: Any, observers: Mapping[str, Any], target: Any = None, explanation: str = "both",
                 hamming: int = 2, per_point: int = 8, prompts: Optional[PathLike] = None,
                 out: Optional[PathLike] = None, shard: Optional[str] = None, progress: bool = True,
                 **options: Any) -> SimulateResult:
        """Simulatability audit of a finished run (as `sceval simulate`): observers predict the run's
        model at points near each reference point, without and with its explanation there.

        run: a run directory or a Result with a path. observers: {name: spec string or callable}
        (callables map a list of conversations to a list of replies, as for :func:`run`). target:
        the model asked for free explanations (and the truths a lazy run lacks); None: the run's
        model spec. explanation: "free" | "sce" | "both". hamming: counterfactual points differ
        from the reference in 1..hamming features; per_point: how many per reference, half where
        the model's answer changes. prompts: a prompt file (default simulate/nsg.prompts).
        out: where simulate.json, simulate.csv and simulate_samples.jsonl go (None: nothing
        written). shard: "I/N", this shard of the reference points, written to out/shard-I-of-N/;
        the last shard to finish merges them into out. progress=False: no progress lines (as
        quiet=True, which also silences warnings). sample, seed, bootstrap and the sampling
        and cache options are keywords below.
        Every request goes through the response cache: after an interruption the same call resumes."""
        run_dir = getattr(run, "path", None) if not isinstance(run, (str, os.PathLike)) else os.fspath(run)
        if run_dir is None:
            raise TypeError("run: expected a run directory (or a Result saved to one)")
        if not isinstance(observers, Mapping) or not observers:
            raise TypeError("observers: expected a non-empty dict {name: spec or callable}")
        gguf = {k: v for k, v in options.items() if any(
            o["name"] == k.replace("-", "_") and o["group"] == "gguf" for o in _sceval.option_table())}
        obs = [(str(name), model_of(m, gguf)) for name, m in observers.items()]
        tgt = None if target is None else model_of(target, gguf)
        out_dir = "" if out is None else path_of(out, "out")
        if not progress:
            options.setdefault("quiet", True)
        for name, value in (("hamming", hamming), ("per_point", per_point)):
            if isinstance(value, bool) or not isinstance(value, int):  # 2.7 is not silently 2
                raise TypeError(f"{name}: expected an integer, got {value!r}")
        raw = _sceval.simulate(run_dir, obs, tgt, options, explanation, hamming, per_point,
                               "" if prompts is None else path_of(prompts, "prompts"), out_dir,
                               "" if shard is None else str(shard))
        return SimulateResult(raw, out_dir or None)

    return simulate
