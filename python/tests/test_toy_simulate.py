"""The toy model (models/toy/, run in-process by llama.cpp) as the target of a simulate audit with
its own SCEs as explanations. Its follow-up policy is known: for an even age the SCE is the closest
flip (valid), for an odd age it stops one step short (invalid). The audit's split by SCE validity
must be exactly that."""
import json
import pathlib
import re

import pytest

import sceval

REPO = pathlib.Path(__file__).resolve().parents[2]
MODEL = "gguf:" + str(REPO / "models" / "toy" / "toy-income.gguf")
SAMPLE = 24
RECORD = r"age: (\d+)\neducation: (\d+)"


def reader(conversations):
    """Predicts the SCE's requested answer where the counterfactual record agrees with the SCE on
    the features the SCE changed, else the reference answer (also when shown no explanation)."""
    out = []
    for conv in conversations:
        text = conv[-1]["content"]
        answer = re.search(r'The model answered: "([^"]*)"', text).group(1)
        sce = re.search(r'to become "([^"]*)", the model said the record would have to be:\n' + RECORD, text)
        if sce:
            ref = [int(v) for v in re.search(r"--- prompt shown to the model ---\n" + RECORD, text).groups()]
            cf = [int(v) for v in re.search(r"record instead:\n" + RECORD, text).groups()]
            new = [int(sce.group(2)), int(sce.group(3))]
            if all(cf[i] == new[i] for i in range(2) if new[i] != ref[i]):
                answer = sce.group(1)
        out.append(json.dumps({"answer": answer}))
    return out


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    run = tmp_path_factory.mktemp("toy") / "run"
    try:
        sceval.run("toy_income", MODEL, out=run, sample=SAMPLE, seed=3, threads=1, no_cache=True, progress=False,
                   bootstrap=0)
    except sceval.Error as e:
        if "built without llama.cpp" in str(e):
            pytest.skip(str(e))
        raise
    sim = sceval.simulate(str(run), {"reader": reader}, explanation="sce", hamming=2, per_point=6, no_cache=True,
                          bootstrap=200)
    return run, sim


def test_sce_split_follows_the_toy_policy(audit):
    run, sim = audit
    p = sim.predictions
    assert len(p) == SAMPLE * 6
    age = p["reference_index"] // 24 + 17  # grid: age 17..96 (slowest) x education 1..24
    even = (age % 2 == 0).to_numpy()
    assert 0 < even.sum() < len(p)
    assert (p["sce_valid"].astype(int).to_numpy() == even.astype(int)).all()
    by = sim.metrics["metrics"]["sce"]["observers"]["reader"]["by"]["sce_valid"]
    assert by["true"]["n"] == even.sum() and by["false"]["n"] == (~even).sum()
    # The split's figures, recomputed from the rows against the decision map's truth; with this
    # seed the valid SCEs help the reader and the invalid ones do not.
    dm = sceval.load_run(str(run)).decision_map.set_index("index")["label"]
    truth = dm.loc[p["counterfactual_index"]].to_numpy()
    right_with = p["prediction_with"].to_numpy() == truth
    right_without = p["prediction_without"].to_numpy() == truth
    for key, rows in (("true", even), ("false", ~even)):
        assert by[key]["accuracy_without"] == pytest.approx(right_without[rows].mean())
        assert by[key]["gain"] == pytest.approx(right_with[rows].mean() - right_without[rows].mean())
    assert by["true"]["gain"] > 0 >= by["false"]["gain"]
