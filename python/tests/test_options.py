"""run()'s keywords, their defaults and docs come from the library's option table, and the type
stubs are generated from it (python/gen_stubs.py --check fails when they are stale)."""
import inspect
import os
import subprocess
import sys

import sceval

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_run_signature_is_the_option_table():
    params = inspect.signature(sceval.run).parameters
    table = sceval.options()
    for o in table:
        p = params[o["name"]]
        assert p.kind == inspect.Parameter.KEYWORD_ONLY, o["name"]
        assert p.default == o["default"], o["name"]
    assert [n for n, p in params.items() if p.kind == inspect.Parameter.KEYWORD_ONLY] == [o["name"] for o in table]
    assert params["max_tokens"].default == 1000 and params["limit"].default is None


def test_run_docstring_lists_every_option_with_its_help():
    doc = sceval.run.__doc__
    for o in sceval.options():
        assert f"{o['name']}: {o['help'].split()[0]}" in doc, o["name"]


def test_type_stubs_are_generated_from_the_table():
    env = dict(os.environ)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "python", "gen_stubs.py"), "--check"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + r.stdout
