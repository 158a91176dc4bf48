"""score/closest/load_run against the command line on the same CSVs, field for field."""
import json
import math
import os

import pandas as pd
import pytest

import sceval
from conftest import EXAMPLE, run_cli

DM = os.path.join(EXAMPLE, "decision_map.csv")
SCES = os.path.join(EXAMPLE, "sces.csv")


def same(a, b, path="results"):
    """Field-for-field equality of two JSON values (NaN equal to NaN)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), path
    else:
        assert a == b, path


def test_score_on_dataframes_equals_cli(cli, income, tmp_path):
    run_cli(cli, "score", "--task", "income", "--decision-map", DM, "--sces", SCES, "-o", str(tmp_path / "cli"))
    with open(tmp_path / "cli" / "results.json") as f:
        expected = json.load(f)
    # DataFrames as a user reads the CSVs: the integer AGEP columns with gaps become floats.
    dm = pd.read_csv(DM)
    sces = pd.read_csv(SCES)
    assert sces["sce_AGEP"].dtype == float  # the cell conversion must write 24, not 24.0
    r = sceval.score(income, dm, sces)
    got = r.results
    # inputs names the files it read: the CLI's paths vs "DataFrame ..." here.
    for j in (expected, got):
        j.pop("inputs", None)
    same(expected, got)
    assert r.metrics["strict"] == expected["strict"]["metrics"]
    assert r.metrics["paper"]["validity"] == expected["paper"]["metrics"]["validity"]
    # The per-row tables: the same as the CLI's CSVs read the package's way.
    cli_sces = sceval.read_table(tmp_path / "cli" / "sces.csv")
    pd.testing.assert_frame_equal(r.sces, cli_sces)
    pd.testing.assert_frame_equal(r.decision_map, sceval.read_table(tmp_path / "cli" / "decision_map.csv"))


def test_score_on_paths_and_save_round_trip(income, tmp_path):
    r = sceval.score("income", DM, SCES, bootstrap=200)
    assert r.results["settings"]["bootstrap"]["resamples"] == 200
    r.save(tmp_path / "run")
    back = sceval.load_run(tmp_path / "run")
    same(r.results, back.results)
    pd.testing.assert_frame_equal(r.sces, back.sces)


def test_load_run_of_cli_directory(cli, tmp_path):
    out = tmp_path / "cli"
    run_cli(cli, "score", "--task", "income", "--decision-map", DM, "--sces", SCES, "-o", str(out))
    r = sceval.load_run(out)
    with open(out / "results.json") as f:
        same(json.load(f), r.results)
    # Cell for cell against the csv module (no pandas on the expected side).
    import csv
    with open(out / "sces.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert list(r.sces.columns) == rows[0]
    assert len(r.sces) == len(rows) - 1
    for k in (0, 7, len(rows) - 2):
        for col, text in zip(rows[0], rows[k + 1]):
            v = r.sces[col].iloc[k]
            if text == "":
                assert pd.isna(v), (k, col)
            elif isinstance(v, str):
                assert v == text, (k, col)
            elif isinstance(v, (bool,)) or str(type(v)).endswith("bool_'>"):
                assert str(v).lower() == text.lower(), (k, col)
            else:
                assert float(v) == pytest.approx(float(text), rel=1e-12), (k, col)


def test_closest_matches_cli(cli, income, tmp_path):
    out = tmp_path / "closest.csv"
    run_cli(cli, "closest", "--task", "income", "--decision-map", DM, "-o", str(out))
    want = sceval.read_table(out)
    got = sceval.closest(income, pd.read_csv(DM))
    pd.testing.assert_frame_equal(got, want)


def test_level_texts_stay_text(income):
    grid = income.grid()
    assert grid["SCHL"].iloc[0] == "N/A - no schooling completed"
    assert len(grid) == len(income) == 1920
    assert list(grid.columns) == ["index"] + [f["name"] for f in income.features]


def test_errors():
    with pytest.raises(sceval.Error, match="no_such_task"):
        sceval.load_task("no_such_task")
    with pytest.raises(TypeError, match="decision_map"):
        sceval.score("income", 42, SCES)
    with pytest.raises(TypeError, match="name_or_path"):
        sceval.load_task(3.5)
    # A row whose index does not match its feature values: the message names the DataFrame, row, column.
    bad = pd.DataFrame({"index": [0], "AGEP": [17], "SCHL": ["Kindergarten"], "label": ["Below $50,000"]})
    with pytest.raises(sceval.Error, match="DataFrame decision_map:2, column 'SCHL': index 0 has SCHL"):
        sceval.score("income", bad, SCES)
    with pytest.raises(sceval.Error, match="not a run directory"):
        sceval.load_run("/nonexistent/run")
    assert issubclass(sceval.Error, ValueError)
    t = sceval.load_task("income")
    with pytest.raises(TypeError, match="^i: expected an integer"):
        t.messages("3")
    with pytest.raises(TypeError, match="^complement"):
        t.messages(3, followup=True, complement=1)
    with pytest.raises(sceval.Error, match="past the grid"):
        t.messages(len(t))
    with pytest.raises(TypeError, match="^bootstrap"):
        sceval.score(t, DM, SCES, bootstrap="many")
    with pytest.raises(TypeError, match="^t:"):
        sceval.score(None, DM, SCES)
    with pytest.raises(sceval.Error, match="mode"):
        sceval.closest(t, DM, mode="fast")
    with pytest.raises(sceval.Error, match="distance"):
        sceval.score(t, DM, SCES, distance="euclid")


def test_report_of_unsaved_and_saved_results(income, tmp_path):
    a = sceval.score(income, DM, SCES, bootstrap=50)  # never saved: goes through a temporary directory
    b = sceval.score(income, DM, SCES, bootstrap=50)
    b.save(tmp_path / "b")
    out = tmp_path / "report.html"
    assert sceval.report([a, str(tmp_path / "b")], out) == 2
    assert a.path is None
    html = out.read_text()
    assert "<html" in html.lower() and "income" in html


def test_na_label_stays_text_through_both_directions(income):
    # A decision map whose model answered nothing usable for point 5: label "NA" (README formats:
    # an empty cell or NA).
    dm = sceval.read_table(DM)
    before = sceval.score(income, dm, SCES, bootstrap=10).results["decision_map"]["labels"]["NA"]
    assert dm.loc[5, "label"] != "NA"
    dm.loc[5, "label"] = "NA"
    r = sceval.score(income, dm, SCES, bootstrap=10)
    assert r.results["decision_map"]["labels"]["NA"] == before + 1
    # Written back as the format's empty cell (NA), read as NaN; level texts stay text.
    assert pd.isna(r.decision_map.loc[5, "label"])
    assert r.decision_map["label"].isna().sum() == before + 1
    assert r.decision_map.loc[0, "SCHL"] == "N/A - no schooling completed"


def test_load_sweep_reads_summary_csv(tmp_path):
    text = ("cell,model,task,strict_n,strict_validity,strict_validity_lo,strict_validity_hi\n"
            "a__income,a,income,10,0.5,0.3,0.7\n"
            "b__income,b,income,0,,,\n")
    (tmp_path / "summary.csv").write_text(text)
    s = sceval.load_sweep(tmp_path)
    assert list(s["cell"]) == ["a__income", "b__income"]
    assert s.loc[0, "strict_validity"] == 0.5 and s["strict_n"].dtype.kind == "i"
    assert pd.isna(s.loc[1, "strict_validity"])
    with pytest.raises(sceval.Error):
        sceval.load_sweep(tmp_path / "missing")
