"""A run directory is never replaced by a run of other settings unless asked (overwrite=True), and
a run that fails leaves the finished one in the folder whole."""
import json
import os
import re

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


def test_an_audit_of_the_run_goes_when_its_answers_change(income, tmp_path):
    """simulate.json in a run's folder describes that run's answers: a rerun with the same answers
    keeps it, a run that replaces the answers removes it (and its csv and samples)."""
    out = str(tmp_path / "run")
    cache = str(tmp_path / "cache.sqlite")
    sceval.run(income, RuleModel(income), out=out, limit=3, progress=False, cache=cache)

    def same(conversations):
        return [json.dumps({"answer": re.search(r'The model answered: "([^"]*)"', c[-1]["content"]).group(1)})
                for c in conversations]

    sceval.simulate(out, {"same": same}, explanation="sce", per_point=2, no_cache=True, bootstrap=0, out=out)
    audit = ("simulate.json", "simulate.csv", "simulate_samples.jsonl")
    kept = {f: read(out, f) for f in audit}
    sceval.run(income, RuleModel(income), out=out, limit=3, progress=False, cache=cache)  # the same answers
    assert {f: read(out, f) for f in audit} == kept
    sceval.run(income, RuleModel(income), out=out, limit=4, progress=False, cache=cache, overwrite=True)
    assert not any(os.path.exists(os.path.join(out, f)) for f in audit)
