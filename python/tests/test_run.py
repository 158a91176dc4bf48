"""run() with a Python callable: the rule's decision map, brute-forced metrics, resume after Ctrl-C."""
import json

import numpy as np
import pytest

import sceval
from conftest import BA, rule

LIMIT = 40


def brute_force(task, points):
    """The rule's labels on the grid and, for each of `points`, the follow-up the rule model
    gives (complement = the other label), its validity, Gower distance and the distance to the
    nearest point of the target label: independently of the library."""
    levels = task.features[1]["values"]
    ba = levels.index(BA)
    ages = np.array([int(v) for v in task.features[0]["values"]])
    g_age = np.repeat(ages, len(levels))  # mixed radix, first feature slowest
    g_edu = np.tile(np.arange(len(levels)), len(ages))
    labels = np.where((g_age >= 30) & (g_edu >= ba), "Above $50,000", "Below $50,000")
    age_range, edu_range = ages.max() - ages.min(), len(levels) - 1

    def gower(a1, e1, a2, e2):
        return (np.abs(a1 - a2) / age_range + np.abs(e1 - e2) / edu_range) / 2

    rows = []
    for i in points:
        a, e = g_age[i], g_edu[i]
        target = "Above $50,000" if labels[i] == "Below $50,000" else "Below $50,000"
        e2 = max(e, ba) if target.startswith("Above") else min(e, ba - 1)
        valid = rule(a, e2, ba) == target
        d_min = gower(a, e, g_age[labels == target], g_edu[labels == target]).min()
        rows.append((i, target, valid, gower(a, e, a, e2), d_min))
    return labels, rows


def test_rule_callable_gives_rule_map_and_brute_force_metrics(income, rule_model):
    # sample: points drawn over the whole grid (the first 40 are all under 30, all invalid).
    r = sceval.run(income, rule_model, sample=LIMIT, no_cache=True, bootstrap=100, progress=False)
    labels, rows = brute_force(income, sorted(r.sces["index"]))
    assert list(r.decision_map["label"]) == list(labels)
    s = r.sces.set_index("index")
    assert len(s) == LIMIT
    for i, target, valid, dist, d_min in rows:
        assert s.loc[i, "target"] == target
        assert bool(s.loc[i, "valid"]) == valid, i
        assert s.loc[i, "distance"] == pytest.approx(dist, abs=1e-6), i
        assert s.loc[i, "d_min"] == pytest.approx(d_min, abs=1e-6), i
    want_validity = np.mean([v for _, _, v, _, _ in rows])
    assert 0 < want_validity < 1  # the rule's SCEs are sometimes invalid: the check can fail
    assert r.metrics["strict"]["n"] == LIMIT
    assert r.metrics["strict"]["validity"] == pytest.approx(want_validity)
    assert r.asked == len(income) + LIMIT


def test_interrupted_run_resumes_from_the_cache(income, rule_model, tmp_path):
    cache = str(tmp_path / "cache.sqlite")
    rule_model.fail_after = 3  # the 4th call raises KeyboardInterrupt, as Ctrl-C inside the model would
    with pytest.raises(KeyboardInterrupt):
        sceval.run(income, rule_model, limit=LIMIT, cache=cache, chunk=100, progress=False)
    answered = rule_model.asked
    assert answered == 300
    rule_model.fail_after = None
    rule_model.asked = 0
    r = sceval.run(income, rule_model, limit=LIMIT, cache=cache, chunk=100, progress=False, bootstrap=100)
    # Only what was not answered before is asked now.
    assert rule_model.asked == len(income) + LIMIT - answered
    assert r.cache_hits == answered
    full = sceval.run(income, rule_model, limit=LIMIT, no_cache=True, progress=False, bootstrap=100)
    assert r.metrics == full.metrics


def test_run_writes_a_cli_run_directory(income, rule_model, tmp_path):
    r = sceval.run(income, rule_model, out=tmp_path / "run", limit=5, no_cache=True, progress=False)
    back = sceval.load_run(tmp_path / "run")
    assert back.results == r.results
    assert len(back.samples) == len(r.samples) > 0
    assert r.results["model"] == {"kind": "function", "spec": "function:tests.RuleModel/1",
                                  "identity": "function:tests.RuleModel/1"}
    assert r.results["settings"]["limit"] == 5


def test_identity_defaults_to_the_qualified_name(income, rule_model):
    def answer(conversations):
        return rule_model(conversations)

    r = sceval.run(income, answer, limit=1, no_cache=True, progress=False, bootstrap=0)
    assert r.results["model"]["spec"] == f"function:{__name__}.{answer.__qualname__}"


def test_bad_kwargs_and_types(income, rule_model):
    with pytest.raises(TypeError, match="limt"):
        sceval.run(income, rule_model, limt=5, progress=False)
    with pytest.raises(sceval.Error, match="max_tokens"):
        sceval.run(income, rule_model, max_tokens="many", progress=False)
    with pytest.raises(sceval.Error, match="limit"):
        sceval.run(income, rule_model, limit=0, progress=False)
    with pytest.raises(TypeError, match="model"):
        sceval.run(income, 42, progress=False)
    with pytest.raises(TypeError, match="reply"):
        sceval.run(income, lambda convs: [1] * len(convs), no_cache=True, progress=False)
    with pytest.raises(sceval.Error, match="replies"):
        sceval.run(income, lambda convs: [], no_cache=True, progress=False)


def test_real_sigint_stops_and_resumes(income, rule_model, tmp_path):
    """A real SIGINT (as Ctrl-C sends) during the run: KeyboardInterrupt, answers kept."""
    import os
    import signal

    cache = str(tmp_path / "cache.sqlite")
    calls = {"n": 0}

    def model(conversations):
        calls["n"] += 1
        if calls["n"] == 2:  # Python raises KeyboardInterrupt at its next check: this call answers nothing
            os.kill(os.getpid(), signal.SIGINT)
        return rule_model(conversations)

    model.sceval_identity = "tests.sigint"
    with pytest.raises(KeyboardInterrupt):
        sceval.run(income, model, limit=LIMIT, cache=cache, chunk=100, progress=False)
    answered = rule_model.asked
    assert answered == 100
    rule_model.asked = 0
    sceval.run(income, model, limit=LIMIT, cache=cache, chunk=100, progress=False, bootstrap=10)
    assert rule_model.asked == len(income) + LIMIT - answered


def test_progress_bar_and_silence(income, rule_model, capsys):
    sceval.run(income, rule_model, limit=3, no_cache=True, bootstrap=10)
    err = capsys.readouterr().err
    assert "decision_map" in err and "1920/1920" in err and "followup" in err
    sceval.run(income, rule_model, limit=3, no_cache=True, bootstrap=10, progress=False)
    assert capsys.readouterr().err == ""


def test_score_attribute_gives_a_soft_map(income):
    import math

    from conftest import RuleModel

    class Soft(RuleModel):
        sceval_identity = "tests.Soft/1"

        def score(self, conversations, options):
            out = []
            for c, opts in zip(conversations, options):
                assert c[-1]["role"] == "assistant"  # the answer prefix, as a partial reply
                age, edu = self.parse(c[0]["content"])
                p = 0.9 if age >= 30 and edu >= self.ba else 0.2
                out.append([math.log(p) if o.startswith("Above") else math.log(1 - p) for o in opts])
            return out

    r = sceval.run(income, Soft(income), decision_map="score", limit=3, no_cache=True, progress=False, bootstrap=10)
    labels, _ = brute_force(income, [])
    want = np.where(labels == "Above $50,000", 0.9, 0.2)
    np.testing.assert_allclose(r.decision_map["p_Above $50,000"], want, atol=1e-9)
    assert list(r.decision_map["label"]) == list(labels)


def test_compare_a_lazy_run_with_a_full_run(income, rule_model, tmp_path):
    # A lazy run's results.json has no paper metrics and baselines {"available": false, "reason"}:
    # compare pairs the strict rows and reports baselines only for the run that has them.
    full = sceval.run(income, rule_model, out=tmp_path / "full", limit=LIMIT, no_cache=True, bootstrap=0,
                      progress=False)
    lazy = sceval.run(income, rule_model, out=tmp_path / "lazy", limit=LIMIT, no_cache=True, bootstrap=0,
                      decision_map="lazy", progress=False)
    assert lazy.results["baselines"]["available"] is False
    d = sceval.compare(full, lazy, bootstrap=50, as_dict=True)
    assert d["pairs"] == LIMIT
    assert d["difference"]["validity"] == pytest.approx(0)  # same model, same rows
    assert "one_step" in d["baselines"]["a"] and "b" not in d["baselines"]


def test_compare_returns_a_table_with_the_dict_beside_it(income, rule_model, tmp_path):
    a = sceval.run(income, rule_model, out=tmp_path / "a", limit=LIMIT, no_cache=True, bootstrap=0, progress=False)
    df = sceval.compare(a, tmp_path / "a", bootstrap=20)
    assert list(df.index) == ["validity", "mean_rcf_a", "exact_match", "tm"]
    assert list(df.columns) == ["difference", "ci_lo", "ci_hi"]
    assert df.loc["validity", "difference"] == pytest.approx(0)  # a run against itself
    d = sceval.compare(a, tmp_path / "a", bootstrap=20, as_dict=True)
    assert df.attrs["compare"] == d and d["pairs"] == LIMIT


def test_progress_without_a_terminal_is_plain_lines_with_each_stages_own_cache_hits(income, rule_model, tmp_path,
                                                                                   capsys):
    # stderr is captured here (not a terminal), as in a log file: no carriage-return frames, one
    # line at the end of each stage; the second run answers all from the cache, each stage its own.
    cache = str(tmp_path / "cache.sqlite")
    sceval.run(income, rule_model, limit=LIMIT, cache=cache, bootstrap=0)
    capsys.readouterr()
    sceval.run(income, rule_model, limit=LIMIT, cache=cache, bootstrap=0)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert any(x.startswith("decision_map 1920/1920 (100%)") and x.endswith("| cache hits 1920 | failed 0")
               for x in lines), err
    assert any(x.startswith(f"followup {LIMIT}/{LIMIT} (100%)") and x.endswith(f"| cache hits {LIMIT} | failed 0")
               for x in lines), err


def test_the_engine_runs_one_thread_by_default():
    # More threads spin-wait for each other at every decode and collapse when another program holds
    # a core (bench/threads_under_load.sh); 0 (all cores) stays available.
    threads = [o for o in sceval.options() if o["name"] == "threads"][0]
    assert threads["default"] == 1 and threads["min"] == 0


def test_compare_on_the_points_of_a_split(income, rule_model, tmp_path):
    a = sceval.run(income, rule_model, out=tmp_path / "a", limit=LIMIT, no_cache=True, bootstrap=0, progress=False)
    held = sorted(a.sces["index"])[:3]
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"kind": "split", "schema_version": 1, "task": "income", "grid_points": len(income),
                                 "train": [], "heldout": [int(i) for i in held]}))
    d = sceval.compare(a, tmp_path / "a", bootstrap=20, as_dict=True, points=f"{split}:heldout")
    assert d["pairs"] == 3 and d["points"].endswith("split.json:heldout")
    with pytest.raises(TypeError, match="points"):
        sceval.compare(a, tmp_path / "a", points=3)
