#!/usr/bin/python3
"""A paper-style table from a sweep directory: models x tasks, validity and mean RCF_A with 95 % CIs.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/paper_table.py out/sweep [--latex]
"""
import argparse

import pandas as pd

import sceval


def pct(v, lo, hi):
    """A rate with its CI as the paper prints it: 71.2 [65.0, 77.1]."""
    if pd.isna(v):
        return "–"
    return f"{100 * v:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]" if not pd.isna(lo) else f"{100 * v:.1f}"


def num(v, lo, hi):
    if pd.isna(v):
        return "–"
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]" if not pd.isna(lo) else f"{v:.3f}"


def _has_tabulate():
    try:
        import tabulate  # noqa: F401  (pandas' to_markdown needs it: apt-get install python3-tabulate)
        return True
    except ImportError:
        return False


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("sweep_dir")
ap.add_argument("--latex", action="store_true", help="print LaTeX instead of Markdown")
a = ap.parse_args()

s = sceval.load_sweep(a.sweep_dir)  # one row per cell: summary.csv's columns
s["validity"] = [pct(*x) for x in zip(s.strict_validity, s.strict_validity_lo, s.strict_validity_hi)]
s["mean RCF_A"] = [num(*x) for x in zip(s.strict_mean_rcf_a, s.strict_mean_rcf_a_lo, s.strict_mean_rcf_a_hi)]
table = s.pivot(index="model", columns="task", values=["validity", "mean RCF_A"])
table = table.swaplevel(axis=1).sort_index(axis=1, level=0)  # task, then metric
print(table.to_latex() if a.latex else table.to_markdown() if _has_tabulate() else table.to_string())
