"""sceval.compare: the paired difference B - A of two runs, as a DataFrame (the dict on request)."""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Union

import pandas as pd

from ._built import _sceval

#: The compared metrics, in the order `sceval compare` prints them.
METRICS = ("validity", "mean_rcf_a", "exact_match", "tm")
#: The same for two text runs (docs/text.md "Comparing two runs").
TEXT_METRICS = ("generation_rate", "validity", "validity_with_history", "mean_levenshtein_normalized", "mean_excess")
#: The same for two simulatability audits (docs/simulate.md), per explanation kind.
SIMULATE_METRICS = ("accuracy_with", "gain", "nsg")


def _run_dir(run: Any, arg: str) -> Optional[str]:
    if isinstance(run, (str, os.PathLike)):
        return os.fspath(run)
    if hasattr(run, "path") and hasattr(run, "results"):  # a sceval.Result (saved or not)
        return run.path
    raise TypeError(f"{arg}: expected a sceval.Result or a run directory, got {type(run).__name__}")


def _int(v: Any, arg: str) -> int:
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TypeError(f"{arg}: expected an integer, got {type(v).__name__}")
    return int(v)


def compare(run_a: Any, run_b: Any, mode: str = "strict", bootstrap: int = 2000, seed: int = 42,
            as_dict: bool = False, points: Optional[str] = None) -> Union[pd.DataFrame, Dict[str, Any]]:
    """Paired difference B - A of two saved, scored runs on the same rows (as `sceval compare`).

    Returns a DataFrame indexed by metric (validity, mean_rcf_a, exact_match, tm) with columns
    difference, ci_lo, ci_hi (rates as fractions); ``df.attrs["compare"]`` holds the whole result
    (a, b, mode, pairs, points, difference, ci, baselines), which ``as_dict=True`` returns instead.
    Two text runs: indexed by TEXT_METRICS, also with columns n, a, b (each run's value on the pairs).
    Two simulate audits (a simulate.json, or a folder with one and no results.json): indexed by
    (kind, metric) over SIMULATE_METRICS, with columns a, b, difference, ci_lo, ci_hi.
    points: "SPLIT.json:heldout" or "SPLIT.json:train" (export-training --split-out): only those rows."""
    a, b = _run_dir(run_a, "run_a"), _run_dir(run_b, "run_b")
    if a is None or b is None:
        raise _sceval.Error("compare: save the Result first (Result.save)")
    if not isinstance(mode, str):
        raise TypeError(f"mode: expected str, got {type(mode).__name__}")
    if points is not None and not isinstance(points, (str, os.PathLike)):
        raise TypeError(f"points: expected \"SPLIT.json:heldout\" or \"SPLIT.json:train\", got {type(points).__name__}")
    d = _sceval.compare(a, b, mode, _int(bootstrap, "bootstrap"), _int(seed, "seed"),
                        "" if points is None else os.fspath(points))
    if as_dict:
        return d
    if d.get("kind") == "simulate_compare":
        return _simulate_frame(d)
    rows = []
    text = d.get("protocol") == "text"
    for k in TEXT_METRICS if text else METRICS:
        lo, hi = (d["ci"].get(k) or [None, None])
        rows.append({"metric": k, "difference": d["difference"].get(k), "ci_lo": lo, "ci_hi": hi})
        if text:
            rows[-1].update(n=d["n"][k], a=d["values"]["a"][k], b=d["values"]["b"][k])
    df = pd.DataFrame(rows).set_index("metric").astype(float)  # None (no pair) -> NaN
    df.attrs["compare"] = d
    return df


def _simulate_frame(d: Dict[str, Any]) -> pd.DataFrame:
    rows = []
    for kind, m in d["metrics"].items():
        for k in SIMULATE_METRICS:
            lo, hi = (m["ci"].get(k) or [None, None])
            rows.append({"kind": kind, "metric": k, "a": m["a"].get(k), "b": m["b"].get(k),
                         "difference": m["difference"].get(k), "ci_lo": lo, "ci_hi": hi})
    df = pd.DataFrame(rows).set_index(["kind", "metric"]).astype(float)
    df.attrs["compare"] = d
    return df
