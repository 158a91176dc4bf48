"""Text audits from Python: the reviews task, a rule callable of known behaviour, a task built from
a DataFrame, and a rerun answered from the response cache."""
import os
import re

import pandas as pd
import pytest

import sceval

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TASK = os.path.join(ROOT, "tasks", "text", "reviews.json")
POS = ["great", "good", "excellent", "wonderful", "enjoyable", "brilliant"]
NEG = ["bad", "boring", "awful", "dull", "terrible", "weak"]


def rule(text):
    words = [w.strip(".,!?").lower() for w in text.split()]
    return "positive" if sum(w in POS for w in words) > sum(w in NEG for w in words) else "negative"


def review_of(prompt):
    m = re.search(r"Review: (.*?)\n\n", prompt, re.S)
    return m.group(1) if m else prompt


class Flipper:
    """Predicts by the task's rule; as its SCE swaps every word of its answer's polarity."""

    sceval_identity = "tests.text.Flipper/1"

    def __init__(self):
        self.asked = 0

    def __call__(self, conversations):
        out = []
        for conv in conversations:
            self.asked += 1
            users = [m for m in conv if m["role"] == "user"]
            if len(users) == 2:
                text = review_of(users[0]["content"])
                src, dst = (POS, NEG) if rule(text) == "positive" else (NEG, POS)
                for a, b in zip(src, dst):
                    text = re.sub(rf"\b{a}\b", b, text)
                out.append("REVISED SCENARIO: " + text)
            else:
                out.append("ANSWER: " + rule(review_of(users[-1]["content"])))
        return out


def test_reviews_task_loads():
    t = sceval.load_task(TASK)
    assert t.is_text and len(t) == 200
    items = t.items()
    assert list(items.columns) == ["id", "text", "question", "label"]
    assert all(items["label"] == items["text"].map(rule))  # the documented rule holds for the data


def test_run_and_rerun_from_cache(tmp_path):
    t = sceval.load_task(TASK)
    m = Flipper()
    cache = str(tmp_path / "cache.sqlite")
    r = sceval.run(t, m, out=str(tmp_path / "run"), limit=25, cache=cache, progress=False)
    s = r.sces
    for col in ["id", "target", "original_answer", "revised_text", "generated", "valid", "valid_with_history",
                "levenshtein", "levenshtein_normalized", "sce_edit_hunks", "minimal_edit_hunks",
                "minimal_levenshtein", "censored"]:
        assert col in s.columns, col
    assert len(s) == 25
    assert s["valid"].astype(str).str.lower().eq("true").all()
    met = r.results["text"]["metrics"]
    assert met["validity"] == 1.0 and met["generation_rate"] == 1.0
    lo, hi = met["ci"]["mean_levenshtein_normalized"]
    assert lo <= met["mean_levenshtein_normalized"] <= hi
    asked = m.asked
    again = sceval.run(t, m, out=str(tmp_path / "run"), limit=25, cache=cache, progress=False)
    assert m.asked == asked  # every reply came from the cache
    assert again.sces.equals(r.sces)
    assert sceval.load_run(str(tmp_path / "run")).results["protocol"] == "text"


def test_text_task_from_dataframe(tmp_path):
    items = pd.DataFrame({"id": ["a", "b"], "text": ["The plot was dull.", "The plot was great. It was good."]})
    spec = {"input": "text", "name": "mini", "options": ["positive", "negative"],
            "prompt": "Review: {text}\n\nANSWER?"}
    t = sceval.text_task(spec, items)
    assert t.is_text and len(t) == 2
    r = sceval.run(t, Flipper(), no_cache=True, progress=False)
    s = r.sces.set_index("id")
    assert s.loc["a", "target"] == "positive" and int(s.loc["a", "minimal_edit_hunks"]) == 1
    assert int(s.loc["b", "sce_edit_hunks"]) == 2 and int(s.loc["b", "minimal_edit_hunks"]) == 1


def test_bad_items_name_the_line(tmp_path):
    (tmp_path / "items.jsonl").write_text('{"id": "x", "text": "ok"}\n{"id": "y"}\n')
    (tmp_path / "t.json").write_text('{"input": "text", "options": ["a", "b"], "items": "items.jsonl"}')
    with pytest.raises(sceval.Error, match=r"items.jsonl:2: field \"text\" is missing"):
        sceval.load_task(str(tmp_path / "t.json"))


def test_converter_for_llm_sces_layouts(tmp_path):
    import subprocess
    import sys
    tool = os.path.join(ROOT, "tools", "llm_sces_to_task.py")
    data = os.path.join(ROOT, "tests", "data", "text")
    subprocess.run([sys.executable, tool, "SST2", os.path.join(data, "sst2_layout.json"), str(tmp_path),
                    "--options", "negative", "positive", "--labels", "0=negative,1=positive"], check=True)
    t = sceval.load_task(str(tmp_path / "sst2.json"))
    items = t.items()
    assert list(items["id"].astype(str)) == ["1", "2"] and list(items["label"]) == ["negative", "positive"]
    assert items["text"][0] == "a dull and weak film"

    def model(conversations):  # answers by the rule; revises with llm-sces' SST2 marker
        out = []
        for conv in conversations:
            turn = conv[0] if len(conv) == 3 else conv[-1]  # the counterfactual request quotes no review
            text = re.search(r"Review: (.*?)\n", turn["content"]).group(1)
            if len(conv) == 3:
                out.append("REVISED REVIEW: " + text.replace("dull", "great").replace("weak", "good")
                           .replace("great , good", "bad , good"))
            else:
                out.append("ANSWER: " + rule(text))
        return out

    r = sceval.run(t, model, no_cache=True, progress=False)
    assert list(r.sces["valid"].astype(str).str.lower()) == ["true", "true"]
    subprocess.run([sys.executable, tool, "NLI", os.path.join(data, "nli_layout.json"), str(tmp_path),
                    "--options", "entailment", "contradiction"], check=True)
    nli = sceval.load_task(str(tmp_path / "nli.json")).items()
    assert nli["question"][0] == "A person makes music." and str(nli["id"][0]) == "7"


def test_k_way_all_complements_and_sample():
    items = pd.DataFrame({"id": [f"i{k}" for k in range(6)],
                          "text": ["red sky", "green grass", "blue sea", "red rose", "green leaf", "blue ice"]})
    spec = {"input": "text", "name": "colours", "options": ["red", "green", "blue"],
            "prompt": "Review: {text}\n\nWhich colour?"}

    def colour_model(conversations):  # answers the colour word; revises it to the requested one
        out = []
        for conv in conversations:
            if len(conv) == 3:
                target = re.search(r'would be "(\w+)"', conv[2]["content"]).group(1)
                text = review_of(conv[0]["content"])
                out.append("REVISED SCENARIO: " + re.sub(r"red|green|blue", target, text))
            else:
                out.append("ANSWER: " + re.search(r"red|green|blue", review_of(conv[-1]["content"])).group(0))
        return out

    t = sceval.text_task(spec, items)
    r = sceval.run(t, colour_model, no_cache=True, progress=False, all_complements=True)
    assert len(r.sces) == 12  # two other labels per item
    assert set(zip(r.sces["id"], r.sces["target"])) == {(i, c) for i, txt in zip(items["id"], items["text"])
                                                        for c in spec["options"] if c not in txt}
    assert r.sces["valid"].astype(str).str.lower().eq("true").all()
    one = sceval.run(t, colour_model, no_cache=True, progress=False, sample=3, seed=5)
    assert len(one.sces) == 3 and one.sces["id"].nunique() == 3


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    t = sceval.load_task(TASK)
    cache = str(tmp_path / "cache.sqlite")
    whole = sceval.run(t, Flipper(), limit=20, no_cache=True, progress=False)

    class Killed(Flipper):
        def __init__(self, after):
            super().__init__()
            self.after = after

        def __call__(self, conversations):
            if self.asked >= self.after:
                raise RuntimeError("killed")
            return super().__call__(conversations)

    with pytest.raises(Exception, match="killed"):
        sceval.run(t, Killed(50), out=str(tmp_path / "run"), limit=20, cache=cache, chunk=8, progress=False)
    m = Flipper()
    resumed = sceval.run(t, m, out=str(tmp_path / "run"), limit=20, cache=cache, chunk=8, progress=False)
    assert 0 < m.asked < whole.requests  # only what the killed run had not obtained
    assert resumed.sces.equals(whole.sces)


def test_compare_text_runs_as_dataframe():
    # The hand-worked fixtures of tests/text/compare_test.cpp: B - A per metric, n pairs each.
    fix = os.path.join(ROOT, "tests", "data", "text", "compare")
    df = sceval.compare(os.path.join(fix, "a"), os.path.join(fix, "b"), bootstrap=100)
    assert list(df.index) == ["generation_rate", "validity", "validity_with_history",
                              "mean_levenshtein_normalized", "mean_excess"]
    assert df.loc["validity", "difference"] == pytest.approx(1.0 - 0.5)
    assert df.loc["mean_levenshtein_normalized", "n"] == 3
    assert df.loc["mean_levenshtein_normalized", "a"] == pytest.approx(0.7 / 3)
    assert df.attrs["compare"]["only_in_b"] == 1


def test_items_file_keyword(tmp_path):
    # items_file is a run option (the CLI's --items-file, a sweep key): the task's items replaced at run time.
    small = os.path.join(ROOT, "tests", "data", "text", "items_small.jsonl")
    r = sceval.run(sceval.load_task(TASK), Flipper(), items_file=small, no_cache=True, progress=False)
    assert list(r.sces["id"]) == ["s1", "s2", "s3"]
    assert r.results["settings"]["items_file"] == small and r.results["task"]["items"] == 3
    with pytest.raises(sceval.Error, match="items_file: task toy_income is a grid task"):
        sceval.run(sceval.load_task("toy_income"), Flipper(), items_file=small, no_cache=True, progress=False)


def test_converter_discrimeval_two_files(tmp_path):
    # DiscrimEval's layout (scenarios and questions in two files, paired by position), fixtures written here.
    import subprocess
    import sys
    tool = os.path.join(ROOT, "tools", "llm_sces_to_task.py")
    data = os.path.join(ROOT, "tests", "data", "text")
    scen, ques = os.path.join(data, "discrimeval_scenarios.json"), os.path.join(data, "discrimeval_questions.json")
    subprocess.run([sys.executable, tool, "DiscrimEval", scen, str(tmp_path), "--questions", ques,
                    "--options", "Yes", "No"], check=True)
    t = sceval.load_task(str(tmp_path / "discrimeval.json"))
    items = t.items()
    assert list(items["id"].astype(str)) == ["1", "2"]
    assert items["question"][1] == "Should the landlord renew the lease?"
    assert items["text"][0].startswith("The applicant is a 40-year-old carpenter")

    def model(conversations):  # "Yes" unless the scenario mentions a late payment; the SCE adds one
        out = []
        for conv in conversations:
            if len(conv) == 3:
                text = re.search(r"Scenario: (.*?)\n", conv[0]["content"]).group(1)
                out.append("REVISED SCENARIO: " + text.replace("no debts", "one late payment"))
            else:
                assert "Should the" in conv[-1]["content"]  # the question is in every prompt
                out.append("ANSWER: " + ("No" if "late payment" in conv[-1]["content"] else "Yes"))
        return out

    r = sceval.run(t, model, no_cache=True, progress=False)
    s = r.sces.assign(id=r.sces["id"].astype(str)).set_index("id")
    assert str(s.loc["1", "valid"]).lower() == "true" and s.loc["1", "target"] == "No"
    bad = tmp_path / "one_question.json"
    bad.write_text('[{"id": 1, "text": "Should the bank approve the loan?"}]')
    p = subprocess.run([sys.executable, tool, "DiscrimEval", scen, str(tmp_path), "--questions", str(bad),
                        "--options", "Yes", "No"], capture_output=True, text=True)
    assert p.returncode != 0 and "1 questions for 2 scenarios" in p.stderr
    p = subprocess.run([sys.executable, tool, "DiscrimEval", scen, str(tmp_path), "--options", "Yes", "No"],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "--questions" in p.stderr
