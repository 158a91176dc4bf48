"""sceval: audit whether a language model's self-generated counterfactual explanations (SCEs) are
valid and minimal (Mayne et al., EMNLP 2025).

The same library as the ``sceval`` command line (libsceval.so), with DataFrames in and out::

    import sceval
    t = sceval.load_task("income")
    r = sceval.run(t, lambda convs: ['{"answer": "Below $50,000"}'] * len(convs), no_cache=True)
    r.metrics["strict"]["validity"]

Tables follow the CSV formats of the command line (README "File formats"): a DataFrame passed in
is written cell by cell as the CSV writer would (integers as integers, NaN/None as an empty cell);
tables coming out are read with ``pandas.read_csv(..., keep_default_na=False, na_values=[""])`` so
that empty cells are NaN but level texts such as ``"NA"`` stay text.
"""
from __future__ import annotations

import csv
import io
import math
import json
import os
import tempfile
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

import pandas as pd

from ._built import _sceval
from ._compare import compare
from ._options import with_run_options
from ._progress import ProgressBar
from ._reward import Reward, reward
from ._simulate import SimulateResult, make_simulate

__all__ = [
    "Error", "Task", "Result", "Model", "tasks", "options", "load_task", "text_task", "closest", "score", "run",
    "load_run", "load_sweep", "report", "compare", "sweep", "read_table", "Reward", "reward", "simulate",
    "SimulateResult",
]

#: The library's version (the same as ``sceval --version``).
__version__: str = _sceval.version()

#: Every error the library reports about its input (file, line, field in the message). A ValueError.
Error = _sceval.Error
Error.__module__ = "sceval"  # shown as sceval.Error in tracebacks
Model = _sceval.Model

PathLike = Union[str, "os.PathLike[str]"]
TableLike = Union[pd.DataFrame, str, "os.PathLike[str]"]


def tasks() -> List[str]:
    """Names of the bundled tasks and those in $SCEVAL_TASK_PATH, sorted."""
    return list(_sceval.task_names())


def options() -> List[Dict[str, Any]]:
    """The run option table: one dict per option (name, flag, type, help, default, choices, min, max,
    group, run, recorded). Its names are run()'s keyword arguments, the CLI's flags and the sweep
    config's keys."""
    return _sceval.option_table()


def _path(value: Any, arg: str) -> str:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    raise TypeError(f"{arg}: expected a path (str or os.PathLike), got {type(value).__name__}")


class Task:
    """A task: the classification question, its grid of records, its labels and prompts.

    Use :func:`load_task`. ``len(task)`` is the number of grid points."""

    def __init__(self, handle: "_sceval.Task"):
        self._t = handle

    @property
    def name(self) -> str:
        """The task's name (e.g. ``income``)."""
        return self._t.name

    @property
    def path(self) -> str:
        """The task file it was loaded from."""
        return self._t.path

    @property
    def distance(self) -> str:
        """The distance the task's prompt promises: gower | l1_mad | l2_std."""
        return self._t.distance

    @property
    def options(self) -> List[str]:
        """The label options, in the task's order."""
        return list(self._t.options)

    @property
    def features(self) -> List[Dict[str, Any]]:
        """One dict per feature: name (CSV column), key (JSON key), type, values (CSV level texts)."""
        return self._t.features

    def __len__(self) -> int:
        return self._t.size()

    def __repr__(self) -> str:
        unit = "items" if self.is_text else "points"
        return f"<sceval.Task {self.name}: {len(self)} {unit}, options {self.options}>"

    @property
    def is_text(self) -> bool:
        """A text task (docs/text.md): items of free-form text instead of a grid."""
        return self._t.is_text

    def items(self) -> pd.DataFrame:
        """A text task's items: id, text, question, label."""
        return _frame(self._t.items_csv())

    def point(self, index: int) -> List[str]:
        """Feature value texts of grid point ``index``."""
        return list(self._t.point(_index(index, "index")))

    def grid(self) -> pd.DataFrame:
        """The grid as a DataFrame: ``index`` plus one column per feature (CSV level texts)."""
        return _frame(self._t.grid_csv())

    def messages(self, i: int, followup: bool = False, complement: Optional[str] = None,
                 reply: Optional[str] = None, system: Optional[str] = None) -> List[Dict[str, str]]:
        """The conversation sent for grid point ``i``: a list of {"role", "content"} dicts.

        followup: the follow-up (counterfactual) conversation instead of turn 1; complement: the
        label it asks for (default: the first option); reply: the turn-1 reply it quotes;
        system: a system prompt instead of the task's own."""
        for arg, v in (("complement", complement), ("reply", reply), ("system", system)):
            if v is not None and not isinstance(v, str):
                raise TypeError(f"{arg}: expected str or None, got {type(v).__name__}")
        return self._t.messages(_index(i, "i"), bool(followup), complement, reply, system)


def _index(v: Any, arg: str) -> int:
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TypeError(f"{arg}: expected an integer, got {type(v).__name__}")
    v = int(v)
    if v < 0:
        raise Error(f"{arg}: {v} is negative")
    return v


def load_task(name_or_path: Union[str, "os.PathLike[str]", Task],
              items: Union[None, str, "os.PathLike[str]"] = None) -> Task:
    """A bundled task by name (see :func:`tasks`), a name in $SCEVAL_TASK_PATH, or a task file.

    items: a text task's items file (JSONL or CSV) instead of the one its task file names."""
    if isinstance(name_or_path, Task):
        return name_or_path
    return Task(_sceval.Task.load(_path(name_or_path, "name_or_path"),
                                  "" if items is None else _path(items, "items")))


def text_task(spec: Dict[str, Any], items: Any) -> Task:
    """A text task from a task file's fields (a dict with "input": "text") and its items (a
    DataFrame or CSV path with columns id, text, optional question and label)."""
    return Task(_sceval.Task.text(json.dumps(spec), _table(items, "items")))


def _task(t: Any) -> Task:
    if isinstance(t, Task):
        return t
    if isinstance(t, (str, os.PathLike)):
        return load_task(t)
    raise TypeError(f"t: expected a sceval.Task or a task name, got {type(t).__name__}")


# ---- tables ---------------------------------------------------------------------------------

def _cell(v: Any) -> str:
    """One cell as the CSV writer writes it: integers without '.0', NaN/None/NA empty."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "true" if v else "false"
    if hasattr(v, "__index__"):  # int, numpy integers
        return str(int(v))
    if isinstance(v, float) or hasattr(v, "is_integer") or type(v).__module__ == "numpy":
        x = float(v)
        if math.isnan(x):
            return ""
        if x.is_integer() and abs(x) < 2**63:
            return str(int(x))
        return repr(x)
    return str(v)


def _csv_text(df: pd.DataFrame) -> str:
    if "index" not in df.columns and df.index.name == "index":
        df = df.reset_index()
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([str(c) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        w.writerow([_cell(v) for v in row])
    return out.getvalue()


def _table(value: Any, arg: str) -> "_sceval.Table":
    """A DataFrame, CSV path or Table as a library table (errors name ``arg``)."""
    if isinstance(value, _sceval.Table):
        return value
    if isinstance(value, pd.DataFrame):
        return _sceval.Table.parse_csv(_csv_text(value), f"DataFrame {arg}")
    if isinstance(value, (str, os.PathLike)):
        return _sceval.Table.read_csv(os.fspath(value))
    raise TypeError(f"{arg}: expected a pandas DataFrame or a CSV path, got {type(value).__name__}")


def _frame(csv_text: str) -> pd.DataFrame:
    """CSV text as the DataFrame a user gets from the CLI's CSV files."""
    if not csv_text.strip():
        return pd.DataFrame()
    return pd.read_csv(io.StringIO(csv_text), keep_default_na=False, na_values=[""])


def read_table(path: PathLike) -> pd.DataFrame:
    """A CSV file of the CLI (decision map, SCEs, closest, summary) as this package reads tables."""
    with open(_path(path, "path"), encoding="utf-8") as f:
        return _frame(f.read())


# ---- results --------------------------------------------------------------------------------

class Result:
    """The result of :func:`run`, :func:`score` or :func:`load_run`: a run directory in memory.

    results: results.json as a dict; metrics / ci / counts: its per-mode blocks ("paper", "strict");
    baselines: its baselines block; decision_map / sces: the CSVs as DataFrames (every column);
    samples: samples.jsonl as dicts (runs of a model); path: the directory it was saved to or
    loaded from (None until saved)."""

    def __init__(self, raw: "_sceval.RunResult", path: Optional[str] = None):
        self._raw = raw
        self._results = raw.results
        self._dm: Optional[pd.DataFrame] = None
        self._sces: Optional[pd.DataFrame] = None
        self.path = path
        #: Requests of the run, answered from the cache, asked of the model, failed after retries.
        self.requests, self.cache_hits = raw.requests, raw.cache_hits
        self.asked, self.failed_requests = raw.asked, raw.failed_requests

    def _modes(self, key: str) -> Dict[str, Any]:
        return {m: self._results[m][key] for m in self._results.get("modes", ["paper", "strict"]) if m in self._results}

    @property
    def results(self) -> Dict[str, Any]:
        """results.json as a dict."""
        return self._results

    @property
    def metrics(self) -> Dict[str, Dict[str, Any]]:
        """Metrics by mode: ``metrics["strict"]["validity"]``, same keys as results.json."""
        return self._modes("metrics")

    @property
    def ci(self) -> Dict[str, Dict[str, Any]]:
        """Bootstrap confidence intervals by mode (results.json ``<mode>.ci``)."""
        return self._modes("ci")

    @property
    def counts(self) -> Dict[str, Dict[str, Any]]:
        """Row counts by mode (results.json ``<mode>.counts``)."""
        return self._modes("counts")

    @property
    def baselines(self) -> Dict[str, Any]:
        """The baselines block of results.json (empty when there is none)."""
        return self._results.get("baselines", {})

    @property
    def decision_map(self) -> pd.DataFrame:
        """decision_map.csv as a DataFrame."""
        if self._dm is None:
            self._dm = _frame(self._raw.decision_map_csv)
        return self._dm

    @property
    def sces(self) -> pd.DataFrame:
        """sces.csv as a DataFrame: every per-row column (validity, distances, RCF, ...)."""
        if self._sces is None:
            self._sces = _frame(self._raw.sces_csv)
        return self._sces

    @property
    def samples(self) -> List[Dict[str, Any]]:
        """samples.jsonl: every request and raw reply (runs of a model only)."""
        return self._raw.samples

    def save(self, dir: PathLike, overwrite: bool = False) -> str:
        """Writes the run directory (the files `sceval run` writes); returns its path. A folder that
        holds a finished run of other settings is refused unless ``overwrite``."""
        d = _path(dir, "dir")
        self._raw.save(d, bool(overwrite))
        self.path = d
        return d

    def __repr__(self) -> str:
        s = self.metrics.get("strict", {})
        return (f"<sceval.Result {self._results.get('task', {}).get('name', '?')}: strict n={s.get('n')} "
                f"validity={s.get('validity')}>")


def closest(t: Union[Task, str], decision_map: TableLike, distance: Optional[str] = None,
            mode: str = "strict") -> pd.DataFrame:
    """The exact closest counterfactual of every labelled point of a decision map:
    columns index, d_min, closest_index, closest_<feature>... mode: strict (exact arithmetic;
    "exact" is accepted too) | paper (the paper's float arithmetic)."""
    task = _task(t)
    dm = _table(decision_map, "decision_map")
    return _frame(_sceval.closest_csv(task._t, dm, _opt_str(distance, "distance"), _str(mode, "mode")))


def _str(v: Any, arg: str) -> str:
    if not isinstance(v, str):
        raise TypeError(f"{arg}: expected str, got {type(v).__name__}")
    return v


def _opt_str(v: Any, arg: str) -> str:
    return "" if v is None else _str(v, arg)


def score(t: Union[Task, str], decision_map: TableLike, sces: TableLike, distance: Optional[str] = None,
          bootstrap: int = 2000, seed: int = 42, only: Optional[Iterable[tuple]] = None) -> Result:
    """Scores SCEs (SCE CSV format) against a decision map (decision-map CSV format) in both modes,
    as `sceval score` does. decision_map and sces: DataFrames or CSV paths. only: keep only these
    (index, target) rows."""
    task = _task(t)
    dm = _table(decision_map, "decision_map")
    sc = _table(sces, "sces")
    rows = None if only is None else [(int(i), str(target)) for i, target in only]
    raw = _sceval.score(task._t, dm, sc, _opt_str(distance, "distance"), _index(bootstrap, "bootstrap"),
                        _index(seed, "seed"), rows)
    return Result(raw)


def load_run(dir: PathLike) -> Result:
    """A run directory written by `sceval run`/`score` or :meth:`Result.save`."""
    d = _path(dir, "dir")
    return Result(_sceval.load_run(d), path=d)


def load_sweep(dir: PathLike) -> pd.DataFrame:
    """summary.csv of a sweep directory: one row per finished cell."""
    return _frame(_sceval.load_sweep_csv(_path(dir, "dir")))


def _identity(model: Callable) -> str:
    ident = getattr(model, "sceval_identity", None)
    if ident is not None:
        return _str(ident, "model.sceval_identity")
    fn = model if hasattr(model, "__qualname__") else type(model)
    return f"{getattr(fn, '__module__', '') or ''}.{fn.__qualname__}".lstrip(".")


def _model(model: Any, opts: Dict[str, Any]) -> "_sceval.Model":
    if isinstance(model, _sceval.Model):
        return model
    if isinstance(model, str):
        gguf = {k: v for k, v in opts.items()}
        return _sceval.Model.open(model, gguf)
    if callable(model):
        scorer = getattr(model, "score", None)
        if scorer is not None and not callable(scorer):
            raise TypeError("model.score: expected a callable (conversations, options) -> log-probabilities")
        return _sceval.Model.from_callable(_identity(model), model, scorer)
    raise TypeError(f"model: expected a spec string (gguf:..., openai:..., anthropic:...) or a callable, "
                    f"got {type(model).__name__}")


@with_run_options(_sceval.option_table())
def run(t: Union[Task, str], model: Any, out: Optional[PathLike] = None, progress: bool = True,
        **options: Any) -> Result:
    """Runs the paper's protocol on a model: decision map, SCEs, metrics (as `sceval run`).

    model: a spec string (``gguf:PATH``, ``openai:MODEL@URL``, ``anthropic:MODEL``) or a callable
    taking a list of conversations (each a list of {"role", "content"} dicts) and returning one
    reply string per conversation. An optional ``model.score(conversations, options)`` returning
    one list of label log-probabilities per conversation enables ``decision_map="score"``. The
    model's identity in the response cache is ``model.sceval_identity`` if set, else the callable's
    module and qualified name: set ``sceval_identity`` when its answers change.

    out: the run directory, written as the run goes (None: nothing written). progress: a tqdm bar
    (terminal and Jupyter). The run options below are keyword arguments (:func:`options`). Every
    answer is cached as it arrives: after Ctrl-C (KeyboardInterrupt) or an exception from the
    model, the same call resumes."""
    task = _task(t)
    out_dir = "" if out is None else _path(out, "out")
    m = _model(model, {k: v for k, v in options.items() if _is_gguf(k)})
    quiet = bool(options.get("quiet", False)) or options.get("log_level") in ("error", "warn")
    bar = ProgressBar() if progress and not quiet else None
    try:
        raw = _sceval.run(task._t, m, options, out_dir, bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    return Result(raw, path=out_dir or None)


def _is_gguf(name: str) -> bool:
    return any(o["name"] == name.replace("-", "_") and o["group"] == "gguf" for o in options())


def report(runs: Sequence[Union[Result, PathLike]], out_html: PathLike) -> int:
    """Writes the offline HTML report over run and sweep directories; returns the number of runs.

    A Result never saved is saved to a temporary directory first (the page is self-contained, so
    the directory is removed afterwards)."""
    if isinstance(runs, (str, os.PathLike, Result)):
        runs = [runs]
    out = _path(out_html, "out_html")
    with tempfile.TemporaryDirectory(prefix="sceval-report-") as tmp:
        dirs = []
        for k, r in enumerate(runs):
            if isinstance(r, Result):
                if r.path is None:
                    d = os.path.join(tmp, f"run{k}")
                    r._raw.save(d)
                    dirs.append(d)
                else:
                    dirs.append(r.path)
            else:
                dirs.append(_path(r, f"runs[{k}]"))
        return _sceval.write_report(dirs, out)


def sweep(config: PathLike, out: PathLike, shard: str = "0/1", cache: Optional[str] = None,
          summary_only: bool = False, progress: bool = True) -> Dict[str, Any]:
    """Every cell of a sweep config (docs/sweeps.md) into out/, then summary.csv (see load_sweep)."""
    bar = ProgressBar() if progress else None
    try:
        return _sceval.sweep(_path(config, "config"), _path(out, "out"), _str(shard, "shard"),
                             _opt_str(cache, "cache"), bool(summary_only), bar.update if bar else None)
    finally:
        if bar:
            bar.close()


simulate = make_simulate(_model, _path)
