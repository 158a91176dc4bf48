"""The verifier's reward (sceval.reward): on the run's own follow-up replies it agrees with the
scorer's strict-mode columns row for row; the closest counterfactual gets the highest reward;
malformed completions get the parse-failure value; conversational and plain completions agree."""
import json
import math

import pytest

import sceval
from conftest import RuleModel


@pytest.fixture(scope="module")
def rule_run(tmp_path_factory):
    t = sceval.load_task("income")
    out = str(tmp_path_factory.mktemp("reward") / "run")
    sceval.run(t, RuleModel(t), out=out, sample=80, seed=3, progress=False, no_cache=True)
    return t, sceval.load_run(out), out


def followups(r):
    return {(s["index"], s["target"]): s["response"] for s in r.samples if s["stage"] == "followup"}


def test_reward_agrees_with_the_scorer_on_every_row(rule_run):
    t, r, out = rule_run
    rw = sceval.reward(out)
    replies = followups(r)
    assert len(replies) == len(r.sces) == 80
    seen_valid = set()
    for row in r.sces.itertuples():
        b = rw.score(replies[(row.index, row.target)], row.index, row.target)
        assert b["status"] == row.status
        assert b["valid"] == bool(row.valid)
        assert b["exact_match"] == bool(row.exact_match)
        if row.valid:
            assert b["rcf"] == pytest.approx(row.rcf, abs=1e-12)
            expected = 1.0 + 0.5 * bool(row.exact_match) + 0.5 / (1.0 + row.rcf)
        else:
            assert b["rcf"] is None and math.isnan(row.rcf)
            expected = 0.0
        assert b["reward"] == pytest.approx(expected)
        seen_valid.add(bool(row.valid))
    assert seen_valid == {True, False}, "the rule run should give both valid and invalid SCEs"


def test_the_closest_counterfactual_gets_the_highest_reward(rule_run):
    t, r, out = rule_run
    rw = sceval.reward(out)
    closest = sceval.closest(t, r.decision_map).set_index("index")
    keys = [f["key"] for f in t.features]
    names = [f["name"] for f in t.features]
    replies = followups(r)
    for row in r.sces.itertuples():
        c = closest.loc[row.index]
        ideal = json.dumps({k: str(c[f"closest_{n}"]) for k, n in zip(keys, names)})
        best = rw.score(ideal, row.index, row.target)
        assert best == {"reward": 2.0, "status": "ok", "valid": True, "exact_match": True, "rcf": 0.0,
                        "sce_index": int(c["closest_index"])}
        assert rw.score(replies[(row.index, row.target)], row.index, row.target)["reward"] <= 2.0


def test_malformed_completions_get_the_parse_failure_value(rule_run):
    _, _, out = rule_run
    rw = sceval.reward(out, weights={"parse_failure": -3.0})
    for bad in ["no json here", "{\"age\": 40", "{\"answer\": \"Above $50,000\"}"]:
        b = rw.score(bad, 0, "Above $50,000")
        assert b["reward"] == -3.0 and b["status"] != "ok" and b["valid"] is None


def test_trl_call_conversational_and_plain_agree(rule_run):
    _, r, out = rule_run
    rw = sceval.reward(out)
    items = list(followups(r).items())[:10]
    idx = [i for (i, _), _ in items]
    tgt = [t for (_, t), _ in items]
    plain = [c for _, c in items]
    chat = [[{"role": "assistant", "content": c}] for c in plain]
    a = rw(prompts=None, completions=plain, point_index=idx, target=tgt, other_column=[0] * 10)
    b = rw(prompts=None, completions=chat, point_index=idx, target=tgt)
    assert a == b and len(a) == 10 and all(isinstance(x, float) for x in a)
    assert rw.__name__ == "sceval_reward"


def test_weights_select_components_and_bad_input_is_named(rule_run):
    _, r, out = rule_run
    only_valid = sceval.reward(out, weights={"exact_match": 0, "closeness": 0})
    for row in r.sces.head(20).itertuples():
        reply = followups(r)[(row.index, row.target)]
        assert only_valid.score(reply, row.index, row.target)["reward"] == float(bool(row.valid))
    with pytest.raises(sceval.Error, match="unknown component \"validity\""):
        sceval.reward(out, weights={"validity": 1})
    with pytest.raises(sceval.Error, match="is not an option of task income"):
        only_valid.score("{}", 0, "Above 50k")
    with pytest.raises(sceval.Error, match="point_index: 1920 is not a point"):
        only_valid.score("{}", 1920, "Above $50,000")
    with pytest.raises(TypeError, match="point_index"):
        only_valid(completions=["{}"], target=["Above $50,000"])


def test_export_prompts_then_reward_is_the_grpo_wiring(rule_run, cli, tmp_path):
    """`sceval export-training --format prompts` writes the dataset whose columns the reward reads:
    the same rows, the same conversations as the run's follow-ups."""
    from conftest import run_cli
    _, r, out = rule_run
    path = str(tmp_path / "prompts.jsonl")
    run_cli(cli, "export-training", out, "--format", "prompts", "-o", path)
    rows = [json.loads(line) for line in open(path)]
    assert len(rows) == len(r.sces)
    replies = followups(r)
    convs = {(s["index"], s["target"]): s["messages"] for s in r.samples if s["stage"] == "followup"}
    for row in rows:
        assert set(row) == {"prompt", "point_index", "target", "task"} and row["task"] == "income"
        assert row["prompt"] == convs[(row["point_index"], row["target"])]
    rw = sceval.reward(out)
    batch = {k: [row[k] for row in rows] for k in ("prompt", "point_index", "target", "task")}
    completions = [replies[(row["point_index"], row["target"])] for row in rows]
    got = rw(prompts=batch.pop("prompt"), completions=completions, **batch)
    assert got == [rw.score(c, row["point_index"], row["target"])["reward"] for c, row in zip(completions, rows)]


def test_live_labels_come_from_the_model_through_the_cache(rule_run, tmp_path):
    """live=: the label at each SCE is asked of a model (here the run's own rule, so the rewards
    equal the fixed map's), every query through the response cache; off-grid SCEs get a reward."""
    t, r, out = rule_run
    fixed = sceval.reward(out)
    model = RuleModel(t)
    cache = str(tmp_path / "live.sqlite")
    live = sceval.reward(out, live=model, cache=cache)
    items = list(followups(r).items())
    idx, tgt, comp = [i for (i, _), _ in items], [g for (_, g), _ in items], [c for _, c in items]
    assert live(completions=comp, point_index=idx, target=tgt) == fixed(completions=comp, point_index=idx, target=tgt)
    asked = model.asked
    distinct = {b["sce_index"] for b in fixed.breakdown(comp, idx, tgt)}
    assert asked == len(distinct), "one query per distinct SCE point (the cache folds repeats)"
    live(completions=comp, point_index=idx, target=tgt)
    assert model.asked == asked, "the second time every label came from the cache"
    off_grid = json.dumps({"age": "150", "education": "Bachelor's degree"})  # age 150 is off the grid
    b = fixed.score(off_grid, 0, "Above $50,000")
    assert b["status"] == "off_grid" and b["valid"] is False and b["reward"] == 0.0  # strict: unchecked = invalid
    b = live.score(off_grid, 0, "Above $50,000")
    assert b["status"] == "off_grid" and b["valid"] is True and b["reward"] > 1.0


def test_a_live_model_that_changed_its_mind_changes_the_reward(rule_run):
    t, r, out = rule_run

    class AlwaysBelow(RuleModel):
        sceval_identity = "tests.AlwaysBelow/1"

        def __call__(self, conversations):
            return [json.dumps({"answer": "Below $50,000"}) for _ in conversations]

    live = sceval.reward(out, live=AlwaysBelow(t), no_cache=True)
    for row in r.sces.head(30).itertuples():
        reply = followups(r)[(row.index, row.target)]
        b = live.score(reply, row.index, row.target)
        assert b["valid"] == (row.target == "Below $50,000"), row
