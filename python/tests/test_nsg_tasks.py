"""The NSG grid tasks (tasks/nsg/): both audits run on them. A rule callable that thresholds the
task's longest ordinal feature gives a known decision map and known closest counterfactuals; a
simulate audit on one of them is checked against that map."""
import json
import pathlib
import re

import pytest

import sceval

TASKS = pathlib.Path(__file__).resolve().parents[2] / "tasks" / "nsg"
NAMES = ["pima_diabetes", "attrition", "bank_marketing", "breast_cancer_recurrence"]
SAMPLE = 30


class Threshold:
    """Label 1 iff the longest ordinal feature is at or above its middle level; the SCE moves
    that feature to the nearest level on the other side and keeps the rest."""

    def __init__(self, task):
        self.task, self.feats = task, task.features
        self.f = max((i for i, f in enumerate(self.feats) if f["type"] == "ordinal"),
                     key=lambda i: len(self.feats[i]["values"]))
        self.thr = len(self.feats[self.f]["values"]) // 2
        lines = [f["description"] for f in json.loads(pathlib.Path(task.path).read_text())["features"]]
        self.lines = [re.compile("^- " + re.escape(d).replace(re.escape("{value}"), "(.*)") + "$", re.M) for d in lines]
        self.sceval_identity = f"tests.nsg.Threshold/{task.name}"

    def values(self, prompt):
        return [self.lines[i].search(prompt).group(1) for i in range(len(self.feats))]

    def label_of(self, pos):
        return self.task.options[1] if pos >= self.thr else self.task.options[0]

    def __call__(self, conversations):
        out = []
        for conv in conversations:
            vals = self.values(conv[0]["content"])
            pos = self.feats[self.f]["values"].index(vals[self.f])
            if len(conv) == 1:
                out.append(json.dumps({"answer": self.label_of(pos)}))
                continue
            to_one = conv[-1]["content"].count(self.task.options[1]) > conv[-1]["content"].count(self.task.options[0])
            vals[self.f] = self.feats[self.f]["values"][max(pos, self.thr) if to_one else min(pos, self.thr - 1)]
            out.append(json.dumps({f["key"]: v for f, v in zip(self.feats, vals)}))
        return out


@pytest.mark.parametrize("name", NAMES)
def test_grid_audit_matches_the_rule(name):
    task = sceval.load_task(str(TASKS / f"{name}.json"))
    model = Threshold(task)
    r = sceval.run(task, model, sample=SAMPLE, no_cache=True, progress=False, bootstrap=0)
    grid = task.grid()
    f = task.features[model.f]
    pos = grid[f["name"]].map(f["values"].index)
    assert list(r.decision_map["label"]) == [model.label_of(p) for p in pos]
    # Closest counterfactual by hand: only the thresholded feature can flip the label; Gower
    # divides its step count by its range and by the number of features.
    n, k = len(task.features), len(f["values"]) - 1
    s = r.sces.set_index("index")
    assert len(s) == SAMPLE
    for i, row in s.iterrows():
        p = pos[i]
        steps = (model.thr - p) if p < model.thr else (p - model.thr + 1)
        assert row["d_min"] == pytest.approx(steps / k / n, abs=1e-9), (name, i)
        assert row["distance"] == pytest.approx(row["d_min"], abs=1e-9), (name, i)
        assert bool(row["valid"]), (name, i)
    assert r.metrics["strict"]["validity"] == 1.0


def test_simulate_runs_on_an_nsg_task(tmp_path):
    task = sceval.load_task(str(TASKS / "attrition.json"))
    model = Threshold(task)
    run = tmp_path / "run"
    sceval.run(task, model, out=run, sample=12, no_cache=True, progress=False, bootstrap=0)
    ref = re.compile(r'The model answered: "([^"]*)"')

    def ignorer(conversations):  # predicts that the answer stays the reference one
        return [json.dumps({"answer": ref.search(c[-1]["content"]).group(1)}) for c in conversations]

    r = sceval.simulate(str(run), {"ignorer": ignorer}, explanation="sce", hamming=2, per_point=4,
                        no_cache=True, bootstrap=0)
    p = r.predictions
    dm = sceval.load_run(str(run)).decision_map.set_index("index")["label"]
    truth = dm.loc[p["counterfactual_index"]].to_numpy()
    same = truth == dm.loc[p["reference_index"]].to_numpy()
    for a, b in zip(p["reference_index"], p["counterfactual_index"]):
        d = sum(x != y for x, y in zip(task.point(int(a)), task.point(int(b))))
        assert 1 <= d <= 2
    m = r.metrics["metrics"]["sce"]["observers"]["ignorer"]
    assert m["accuracy_without"] == pytest.approx(same.mean())
    assert m["gain"] == 0.0
