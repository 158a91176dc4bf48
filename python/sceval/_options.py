"""Keyword arguments of the functions that take run options, made from the library's option table.

The table (``sceval.options()``, the same rows that make the CLI's flags, the sweep keys and
results.json's ``settings``) gives each keyword its name, type, default and help, so signatures
(``help(sceval.run)``, IDEs through ``inspect.signature``) and docstrings are never written by hand.
``python/gen_stubs.py`` writes the same keywords into the type stubs (``__init__.pyi``).
"""
from __future__ import annotations

import inspect
import textwrap
from typing import Any, Callable, Dict, List, Optional

_TYPES = {"flag": bool, "integer": int, "number": float, "text": str, "choice": str}


def annotation(option: Dict[str, Any]) -> Any:
    """The Python type of an option's keyword (Optional when its default is unset)."""
    t = _TYPES[option["type"]]
    return Optional[t] if option["default"] is None else t


def parameters(table: List[Dict[str, Any]], scope: str = "run") -> List[inspect.Parameter]:
    """One keyword-only parameter per option the function takes (scope "run": every option; "model":
    the options of commands that ask a model but run no SCE protocol)."""
    rows = [o for o in table if scope == "run" or not o["run"]]
    return [inspect.Parameter(o["name"], inspect.Parameter.KEYWORD_ONLY, default=o["default"],
                              annotation=annotation(o)) for o in rows]


def doc_section(table: List[Dict[str, Any]]) -> str:
    """The "Run options" section of a docstring: name, default and help of every option."""
    lines = ["Run options (the same as the CLI's flags and the sweep config's keys; sceval.options()):"]
    for o in table:
        default = "" if o["default"] is None else f" [default: {o['default']!r}]"
        lines.append(textwrap.fill(f"{o['name']}: {o['help']}{default}", width=96, initial_indent="    ",
                                   subsequent_indent="        "))
    return "\n".join(lines)


def with_run_options(table: List[Dict[str, Any]]) -> Callable[[Callable], Callable]:
    """Gives a function that takes ``**options`` the table's keywords as its signature and docstring.
    The function itself still receives them as ``**options`` and passes them to the library, which
    checks each against the table."""
    def wrap(func: Callable) -> Callable:
        sig = inspect.signature(func)
        fixed = [p for p in sig.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
        func.__signature__ = sig.replace(parameters=fixed + parameters(table))
        func.__doc__ = (func.__doc__ or "").rstrip() + "\n\n" + doc_section(table) + "\n"
        return func
    return wrap
