"""sceval.simulate: rule targets and rule observers of known behaviour on a real run directory,
checked against the run's own decision map; kill and rerun from the response cache; two shards
merged equal the unsharded audit, file for file."""
import json
import os
import re

import pytest

import sceval
from conftest import BA, RuleModel

LIMIT = 40
CF = re.compile(r"this record instead:\n(.*?)\n\nPredict", re.S)
REF = re.compile(r'The model answered: "([^"]*)"')


class Target(RuleModel):
    """The conftest rule model, and for the free-explanation prompt its rule in tagged sections."""

    sceval_identity = "tests.simulate.Target/1"

    def __call__(self, conversations):
        out = []
        for conv in conversations:
            text = conv[-1]["content"]
            if "<explanation>" in text:
                age, _ = self.parse(text)
                out.append(f"<answer>x</answer><explanation>RULE age>=30 and education>={BA}</explanation>"
                           f"<factors>age, education</factors>")
            else:
                out.extend(super().__call__([conv]))
        return out


class Observer:
    """follow=True: with an explanation that states the rule, applies it to the counterfactual
    record; otherwise (and without an explanation) answers the reference answer."""

    def __init__(self, task, follow, name):
        self.rule = RuleModel(task)
        self.follow, self.calls, self.fail_after = follow, 0, None
        self.sceval_identity = f"tests.simulate.Observer/{name}"

    def __call__(self, conversations):
        out = []
        for conv in conversations:
            if self.fail_after is not None and self.calls >= self.fail_after:
                raise RuntimeError("killed")
            self.calls += 1
            text = conv[-1]["content"]
            answer = REF.search(text).group(1)
            if self.follow and "RULE age>=30" in text:
                record = CF.search(text).group(1) + "\n"
                age, edu = self.rule.parse(record)
                answer = "Above $50,000" if age >= 30 and edu >= self.rule.ba else "Below $50,000"
            out.append(json.dumps({"answer": answer}))
        return out


@pytest.fixture(scope="module")
def run_dir(income, tmp_path_factory):
    d = tmp_path_factory.mktemp("sim") / "run"
    sceval.run(income, RuleModel(income), out=d, sample=LIMIT, no_cache=True, progress=False, bootstrap=0)
    return str(d)


def audit(income, run_dir, tmp_path, observers, **kw):
    return sceval.simulate(run_dir, observers, target=Target(income), explanation="free", hamming=2, per_point=6,
                           cache=str(tmp_path / "cache.sqlite"), bootstrap=200, **kw)


def test_known_observers_against_the_decision_map(income, run_dir, tmp_path):
    follower, ignorer = Observer(income, True, "f"), Observer(income, False, "i")
    r = audit(income, run_dir, tmp_path, {"follower": follower, "ignorer": ignorer})
    p = r.predictions
    for col in ["reference_index", "counterfactual_index", "hamming", "target_answer", "observer", "explanation",
                "prediction_without", "prediction_with"]:
        assert col in p.columns
    dm = sceval.load_run(run_dir).decision_map.set_index("index")["label"]
    # The truth is the run's own map, and the design is balanced: half the points change answer.
    assert (p["target_answer"] == dm.loc[p["counterfactual_index"]].to_numpy()).all()
    assert (p["reference_answer"] == dm.loc[p["reference_index"]].to_numpy()).all()
    assert p["hamming"].between(1, 2).all()
    f = p[p["observer"] == "follower"]
    changed = f["target_answer"] != f["reference_answer"]
    assert changed.sum() == (~changed).sum()
    m = r.metrics["metrics"]["free"]
    without = float((f["reference_answer"] == f["target_answer"]).mean())  # both observers answer the reference
    assert m["observers"]["follower"]["accuracy_without"] == pytest.approx(without)
    assert m["observers"]["follower"]["accuracy_with"] == 1.0
    assert m["observers"]["follower"]["nsg"] == 1.0
    assert m["observers"]["ignorer"]["gain"] == 0.0
    assert m["pooled"]["accuracy_with"] == pytest.approx((1.0 + without) / 2)
    # Both observers agree with the explanation only where the rule keeps the reference answer: right.
    assert m["egregious_rate_with"] == 0.0
    assert m["egregious_rate_without"] == pytest.approx(1 - without)
    lo, hi = m["pooled"]["ci"]["nsg"]
    assert lo <= m["pooled"]["nsg"] <= hi


def test_killed_audit_resumes_from_the_cache_and_writes_whole_files(income, run_dir, tmp_path):
    out = tmp_path / "out"
    follower = Observer(income, True, "k")
    (tmp_path / "other").mkdir()
    whole = audit(income, run_dir, tmp_path / "other", {"follower": Observer(income, True, "k")})
    follower.fail_after = 50
    with pytest.raises(RuntimeError, match="killed"):
        audit(income, run_dir, tmp_path, {"follower": follower}, out=out, chunk=16)
    assert not (out / "simulate.json").exists() and not (out / "simulate.csv").exists()
    follower.fail_after, before = None, follower.calls
    r = audit(income, run_dir, tmp_path, {"follower": follower}, out=out, chunk=16)
    asked = follower.calls - before
    assert len(r.predictions) * 2 - 48 - 16 < asked < len(r.predictions) * 2 - 48 + 16
    assert r.metrics["metrics"] == whole.metrics["metrics"]
    assert json.load(open(out / "simulate.json"))["metrics"] == r.metrics["metrics"]
    assert sceval.read_table(out / "simulate.csv").equals(r.predictions)
    before = follower.calls
    audit(income, run_dir, tmp_path, {"follower": follower}, out=out, chunk=16)
    assert follower.calls == before


def test_two_shards_merge_to_the_unsharded_audit(income, run_dir, tmp_path):
    def observers():
        return {"follower": Observer(income, True, "s"), "ignorer": Observer(income, False, "s")}
    whole = audit(income, run_dir, tmp_path, observers(), out=tmp_path / "whole")
    s0 = audit(income, run_dir, tmp_path, observers(), out=tmp_path / "sharded", shard="0/2")
    assert not s0.merged and not (tmp_path / "sharded" / "simulate.json").exists()
    assert (tmp_path / "sharded" / "shard-0-of-2" / "simulate.json").exists()
    s1 = audit(income, run_dir, tmp_path, observers(), out=tmp_path / "sharded", shard="1/2")
    assert s1.merged
    shard1 = json.load(open(tmp_path / "sharded" / "shard-1-of-2" / "simulate.json"))
    assert 0 < s0.metrics["n_references"] < whole.metrics["n_references"]
    assert s0.metrics["n_references"] + shard1["n_references"] == whole.metrics["n_references"]
    for f in ["simulate.json", "simulate.csv"]:
        assert (tmp_path / "sharded" / f).read_bytes() == (tmp_path / "whole" / f).read_bytes(), f
    assert s1.metrics == whole.metrics and s1.predictions.equals(whole.predictions)


def test_bad_arguments_name_themselves(income, run_dir, tmp_path):
    with pytest.raises(sceval.Error, match="^hamming: 0 is out of range"):
        sceval.simulate(run_dir, {"o": Observer(income, False, "x")}, hamming=0, no_cache=True)
    with pytest.raises(TypeError, match="hamming: expected an integer, got 2.7"):
        sceval.simulate(run_dir, {"o": Observer(income, False, "x")}, hamming=2.7, no_cache=True)
    with pytest.raises(sceval.Error, match="^per_point: 1 is out of range"):
        sceval.simulate(run_dir, {"o": Observer(income, False, "x")}, per_point=1, no_cache=True)
    with pytest.raises(TypeError, match="observers"):
        sceval.simulate(run_dir, {})
    with pytest.raises(sceval.Error, match="^--shard: expected I/N"):
        sceval.simulate(run_dir, {"o": Observer(income, False, "x")}, shard="2/2", no_cache=True)
    with pytest.raises(sceval.Error, match="not a run directory"):
        sceval.simulate(str(tmp_path / "nothing"), {"o": Observer(income, False, "x")})
    # The run's model was a Python callable: free explanations need a target to ask.
    with pytest.raises(sceval.Error, match=r"the run's model was a Python callable .*give target="):
        sceval.simulate(run_dir, {"o": Observer(income, False, "x")}, explanation="free", no_cache=True)


def test_compare_of_two_audits_is_a_table_by_kind(income, run_dir, tmp_path):
    out = tmp_path / "audit"
    audit(income, run_dir, tmp_path, {"follower": Observer(income, True, "c")}, out=out)
    df = sceval.compare(out, out / "simulate.json", bootstrap=50)
    assert list(df.index) == [("free", "accuracy_with"), ("free", "gain"), ("free", "nsg")]
    assert (df["difference"] == 0).all() and (df["ci_lo"] == 0).all() and (df["ci_hi"] == 0).all()  # itself
    assert df.loc[("free", "accuracy_with"), "a"] == 1.0  # the follower applies the stated rule
    assert df.attrs["compare"]["kind"] == "simulate_compare"

