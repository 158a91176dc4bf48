"""The compiled half of the package (sceval._sceval), or an ImportError that says how to build it.

build/python/sceval/ is made when CMake configures, and its .py files are copied there by the
build; the extension module is built by the target sceval_python. A folder with the .py files but
no (or an older) extension would otherwise fail later with an AttributeError far from the cause."""
from __future__ import annotations

import os
from importlib.machinery import EXTENSION_SUFFIXES

BUILD_COMMAND = "./scripts/build.sh --target sceval_python"

# What the Python layer calls: an extension built from older sources lacks some of these.
_REQUIRED = ("version", "task_names", "option_table", "Task", "Table", "Model", "Error", "run", "score",
             "closest_csv", "load_run", "load_sweep_csv", "write_report", "compare", "sweep")

_HERE = os.path.dirname(os.path.abspath(__file__))


def _not_built(what: str) -> ImportError:
    return ImportError(f"sceval: {what} in {_HERE}: build it from the repository root with "
                       f"`{BUILD_COMMAND}` (or `./scripts/demo.sh`, which builds it too), then import again")


try:
    from . import _sceval
except ImportError as e:
    if any(os.path.exists(os.path.join(_HERE, "_sceval" + x)) for x in EXTENSION_SUFFIXES):
        raise _not_built(f"the extension module _sceval does not load ({e})") from e
    raise _not_built("the extension module _sceval is not built") from e

_missing = [n for n in _REQUIRED if not hasattr(_sceval, n)]
if _missing:
    raise _not_built(f"the extension module _sceval is older than the Python files (no {', '.join(_missing)})")
