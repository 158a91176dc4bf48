#!/usr/bin/env python3
"""Throughput of the verifier's reward (sceval.reward), Python call included: completions scored per
second through the TRL-style call (lists in, floats out) and through score() one at a time.
Usage: PYTHONPATH=build/python /usr/bin/python3 bench/reward_throughput.py [N]
It audits a rule model on the income task (no model, no cache) into a temporary run directory,
then scores N completions: the run's own follow-up replies, cycled. Prints one JSON object."""
import json
import os
import platform
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "tests"))
import sceval  # noqa: E402
from conftest import RuleModel  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    t = sceval.load_task("income")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "run")
        sceval.run(t, RuleModel(t), out=out, sample=200, seed=1, progress=False, no_cache=True, quiet=True)
        r = sceval.load_run(out)
        f = [(s["index"], s["target"], s["response"]) for s in r.samples if s["stage"] == "followup"]
        rows = [f[i % len(f)] for i in range(n)]
        t0 = time.perf_counter()
        rw = sceval.reward(out)
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rewards = rw(prompts=None, completions=[c for _, _, c in rows], point_index=[i for i, _, _ in rows],
                     target=[g for _, g, _ in rows])
        call_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i, g, c in rows[:min(n, 5000)]:
            rw.score(c, i, g)
        one_s = (time.perf_counter() - t0) / min(n, 5000)
    print(json.dumps({"measure": "reward_throughput", "task": "income", "completions": n,
                      "load_seconds": round(load_s, 4), "batch_call_per_s": round(n / call_s),
                      "single_call_us": round(1e6 * one_s, 1), "valid_share": sum(x == 2.0 or (x or 0) >= 1 for x in rewards) / n,
                      "machine": f"{platform.machine()}, {os.cpu_count()} cores"}))


if __name__ == "__main__":
    main()
