"""Hostile values from a Python model: a score callable's rows are log-probabilities (checked by the
library, naming the request), a wrong type names the row and option (not pybind11's cast error), and
a paper-mode compare of a lazy run says why it has nothing to pair."""
import math

import pytest

import sceval
from conftest import RuleModel

LIMIT = 12


def soft_model(income, row):
    """A rule model whose .score answers `row(request_index, options)` for every request."""

    class Soft(RuleModel):
        sceval_identity = "tests.hostile.Soft/1"

        def score(self, conversations, options):
            return [row(i, opts) for i, opts in enumerate(options)]

    return Soft(income)


def score_error(income, row):
    with pytest.raises((sceval.Error, TypeError)) as e:
        sceval.run(income, soft_model(income, row), decision_map="score", limit=3, no_cache=True, progress=False,
                   bootstrap=0)
    return str(e.value)


def test_log_probabilities_are_accepted(income):
    r = sceval.run(income, soft_model(income, lambda i, o: [math.log(0.25), -math.inf][: len(o)]),
                   decision_map="score", limit=3, no_cache=True, progress=False, bootstrap=0)
    assert len(r.decision_map) > 0


@pytest.mark.parametrize("value, says", [
    (0.7, "returned 0.7 for option 0 of request 2: expected a log-probability"),
    (math.inf, "returned inf for option 0 of request 2"),
    (math.nan, "returned NaN for option 0 of request 2"),
])
def test_values_that_are_no_log_probability_are_refused(income, value, says):
    # Probabilities (0.7, 0.3) would rank the options as log-probabilities do, with other p_ values.
    e = score_error(income, lambda i, o: [value, -1.0] if i == 2 else [-0.5, -1.0])
    assert says in e
    if value == 0.7:
        assert "return log(p)" in e


def test_an_all_minus_inf_row_is_refused(income):
    e = score_error(income, lambda i, o: [-math.inf] * len(o) if i == 1 else [-0.5, -1.0])
    assert "-inf for every option of request 1" in e


@pytest.mark.parametrize("row, says", [
    (lambda i, o: ["-0.5", -1.0], "model.score: row 0, option 0: expected a number (a log-probability), got <class 'str'>"),
    (lambda i, o: None, "model.score: row 0: expected a list of log-probabilities, got <class 'NoneType'>"),
    (lambda i, o: [[-0.5], -1.0], "model.score: row 0, option 0: expected a number"),
])
def test_wrong_types_name_the_row_not_a_cast(income, row, says):
    e = score_error(income, row)
    assert says in e
    assert "Unable to cast" not in e


def test_numpy_rows_are_numbers(income):
    np = pytest.importorskip("numpy")
    r = sceval.run(income, soft_model(income, lambda i, o: np.log(np.array([0.6, 0.4], dtype=np.float32))),
                   decision_map="score", limit=3, no_cache=True, progress=False, bootstrap=0)
    assert len(r.decision_map) > 0


def test_a_paper_compare_of_a_lazy_run_says_why(income, rule_model, tmp_path):
    full = sceval.run(income, rule_model, out=tmp_path / "full", limit=LIMIT, no_cache=True, bootstrap=0,
                      progress=False)
    lazy = sceval.run(income, rule_model, out=tmp_path / "lazy", limit=LIMIT, no_cache=True, bootstrap=0,
                      decision_map="lazy", progress=False)
    with pytest.raises(sceval.Error, match="the run has no paper mode scores .paper mode needs the full decision map"):
        sceval.compare(full, lazy, mode="paper", bootstrap=10)
    assert sceval.compare(full, lazy, mode="strict", bootstrap=10, as_dict=True)["pairs"] == LIMIT


def test_option_values_are_named_not_shown_as_json_errors(income, rule_model):
    with pytest.raises(sceval.Error) as e:
        sceval.run(income, rule_model, temperature=float("nan"), limit=1, no_cache=True, progress=False)
    assert "temperature" in str(e.value) and "out of range" in str(e.value)
    assert "json.exception" not in str(e.value)
    with pytest.raises(TypeError, match="temperature: expected a number, str, bool, list or None, got <class 'set'>"):
        sceval.run(income, rule_model, temperature={1}, limit=1, no_cache=True, progress=False)
