"""A run directory is never replaced by a run of other settings unless asked (overwrite=True), and
a run that fails leaves the finished one in the folder whole."""
import json
import os

import pytest

import sceval
from conftest import RuleModel


def read(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def test_other_settings_are_refused_and_overwrite_replaces(income, tmp_path):
    out = str(tmp_path / "run")
    sceval.run(income, RuleModel(income), out=out, limit=3, progress=False, no_cache=True)
    before = {f: read(out, f) for f in ("results.json", "sces.csv", "samples.jsonl")}
    with pytest.raises(sceval.Error, match=r"other settings \(limit 3 -> 4\).*overwrite=True"):
        sceval.run(income, RuleModel(income), out=out, limit=4, progress=False, no_cache=True)
    assert {f: read(out, f) for f in before} == before
    sceval.run(income, RuleModel(income), out=out, limit=4, progress=False, no_cache=True, overwrite=True)
    assert json.loads(read(out, "results.json"))["settings"]["limit"] == 4


def test_a_failed_rerun_keeps_the_finished_run(income, tmp_path):
    out = str(tmp_path / "run")
    sceval.run(income, RuleModel(income), out=out, limit=3, progress=False, no_cache=True)
    before = {f: read(out, f) for f in ("results.json", "decision_map.csv", "sces.csv", "samples.jsonl")}
    model = RuleModel(income)
    model.fail_after = 1  # raises on its second call: the decision map is asked, the follow-ups are not
    with pytest.raises((KeyboardInterrupt, Exception)):
        sceval.run(income, model, out=out, limit=3, progress=False, no_cache=True)
    assert {f: read(out, f) for f in before} == before
