#!/usr/bin/python3
"""Audit the toy model (models/toy/toy-income.gguf) on its task, in-process, and print the metrics.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/audit_toy.py [--limit 50] [-o out/toy-audit]

(/usr/bin/python3: Debian's Python, with apt's pandas.) --limit N asks follow-ups for the first N points
only; the decision map is always the whole grid (1,920 points).

Needs a build with llama.cpp (the default). A second run answers from the response cache. To audit
your own model instead, pass a callable: sceval.run(task, my_model) where my_model(conversations)
returns one reply string per conversation (see docs/python.md)."""
import argparse
import os

import sceval


def fmt(x):
    """A metric to 3 places; None (NaN in results.json: nothing to average) as NA."""
    return "NA" if x is None else f"{x:.3f}"


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--limit", type=int, default=None, help="follow-ups for the first N points only")
ap.add_argument("-o", "--out", default="out/toy-audit", help="run directory")
a = ap.parse_args()

task = sceval.load_task("toy_income")
print(task)
opts = {"limit": a.limit} if a.limit else {}
r = sceval.run(task, "gguf:" + os.path.join(ROOT, "models/toy/toy-income.gguf"), out=a.out, **opts)
print(f"requests {r.requests}: {r.cache_hits} from the cache, {r.asked} asked")
for mode, m in r.metrics.items():
    lo, hi = r.ci[mode].get("validity") or (None, None)  # results.json CIs: [low, high], null when undefined
    print(f"{mode:>6}: n={m['n']} validity={fmt(m['validity'])} [{fmt(lo)}, {fmt(hi)}] "
          f"mean RCF_A={fmt(m['mean_rcf_a'])} exact={fmt(m['exact_match'])}")
print(r.sces[["index", "target", "valid", "distance", "d_min"]].head())
print(f"wrote {a.out}")
