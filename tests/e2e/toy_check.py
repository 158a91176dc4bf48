"""Checks a `sceval run` of the toy model against values computed here, independently of sceval, from
the rule and the follow-up policy the model was trained on (tools/toymodel/toytask.py), with a
brute-force Gower distance over the whole grid in exact integer arithmetic.

usage: toy_check.py RUN_DIR EVAL_JSON [--max-extra-map-errors N]

EVAL_JSON is the model's measured evaluation (models/toy/eval.json: the grid points where its
greedy answers deviate from the rule or the policy). Checks:
  1. every request's wording is the training text byte for byte;
  2. the decision map equals the rule except at the measured deviations (plus at most N others:
     the in-process engine's batched numerics are not llama-server's bit for bit);
  3. on every follow-up where the model follows the policy, sceval's strict-mode validity, distance,
     d_min, RCF, RCF_A and exact match equal the brute force;
  4. the aggregate validity, exact-match rate and mean RCF_A equal the brute force's, up to what the
     rows where the model deviates can move them.
Standard library only.
"""
import argparse
import csv
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "toymodel"))
import toytask as T  # noqa: E402

GRID = [(a, e) for a in T.AGES for e in T.EDUS]  # sceval's grid order: age slowest
RANGE_A, RANGE_E = max(T.AGES) - min(T.AGES), max(T.EDUS) - min(T.EDUS)
DEN = 2 * RANGE_A * RANGE_E  # Gower = (|da|/79 + |de|/23) / 2 = (23|da| + 79|de|) / DEN


def gower_num(p, q):
    return RANGE_E * abs(p[0] - q[0]) + RANGE_A * abs(p[1] - q[1])


def d_min_num(p, target):
    return min(gower_num(p, q) for q in GRID if T.label(*q) == target)


def fail(msg):
    print("toy_check: FAIL:", msg)
    sys.exit(1)


def close(x, want, what):
    if not math.isclose(float(x), want, rel_tol=1e-12, abs_tol=1e-15):
        fail(f"{what}: sceval {x}, brute force {want!r}")


def check_wording(run):
    n = 0
    with open(os.path.join(run, "samples.jsonl")) as f:
        for line in f:
            s = json.loads(line)
            age, edu = GRID[s["index"]]
            msgs = s["messages"]
            if msgs[0] != {"role": "user", "content": T.prompt1(age, edu)}:
                fail(f"prompt of point {s['index']} is not the training text: {msgs[0]!r}")
            if s["stage"] == "followup":
                if len(msgs) != 3 or msgs[2] != {"role": "user", "content": T.FLIP.strip()}:
                    fail(f"follow-up of point {s['index']}: {msgs!r}")
            n += 1
    return n


def check_map(run, known_wrong, max_extra):
    with open(os.path.join(run, "decision_map.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(GRID):
        fail(f"decision map has {len(rows)} rows, the grid {len(GRID)}")
    labels = {}
    wrong = []
    for r in rows:
        p = (int(r["age"]), int(r["education"]))
        if GRID[int(r["index"])] != p:
            fail(f"row {r['index']} is {p}, the grid says {GRID[int(r['index'])]}")
        labels[p] = r["label"]
        if r["label"] != T.label(*p):
            wrong.append(p)
    extra = [p for p in wrong if p not in known_wrong]
    print(f"decision map: {len(GRID) - len(wrong)}/{len(GRID)} points follow the rule; "
          f"{len(wrong)} do not ({len(extra)} of them not among the {len(known_wrong)} measured deviations)")
    if len(extra) > max_extra:
        fail(f"points off the rule beyond the measured ones: {extra[:20]}")
    return labels, wrong


def check_sces(run, labels, map_wrong, metrics):
    with open(os.path.join(run, "sces.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    followed, deviated = [], []
    for r in rows:
        p = (int(r["orig_age"]), int(r["orig_education"]))
        truth = T.label(*p)
        if r["label"] != labels[p] or r["target"] == r["label"]:
            fail(f"row {r['index']}: label {r['label']!r}, target {r['target']!r}, map {labels[p]!r}")
        pa, pe, _ = T.sce_policy(*p)
        got = (int(r["sce_age"]), int(r["sce_education"])) if r["status"] == "ok" else None
        target = "above" if truth == "below" else "below"
        dmin = d_min_num(p, target)
        # Rows where the model follows the rule and the policy, and no point off the rule is as
        # close as the rule's closest counterfactual (so the rule decides validity and d_min).
        if got == (pa, pe) and r["label"] == truth and labels[got] == T.label(*got) and \
                all(gower_num(p, q) > dmin for q in map_wrong):
            dist = gower_num(p, got)
            valid = T.label(*got) == target
            if r["valid"] != ("1" if valid else "0"):
                fail(f"row {r['index']} {p} -> {got}: valid {r['valid']}, brute force {valid}")
            close(r["distance"], dist / DEN, f"row {r['index']} distance")
            close(r["d_min"], dmin / DEN, f"row {r['index']} d_min")
            if valid:
                close(r["rcf"], dist / dmin - 1, f"row {r['index']} rcf")
                close(r["rcf_a"], (dist - dmin) / DEN, f"row {r['index']} rcf_a")
            if r["exact_match"] != ("1" if valid and dist == dmin else "0"):
                fail(f"row {r['index']}: exact_match {r['exact_match']}")
            followed.append((valid, dist, dmin))
        else:
            deviated.append(r)
    n = len(rows)
    if n == 0:
        fail("no follow-ups")
    print(f"follow-ups: {n}; {len(followed)} follow the policy and match the brute force row by row; "
          f"{len(deviated)} deviate")
    # Aggregates (strict mode). Each deviating row can move a rate by at most 1/n.
    slack = len(deviated) / n
    v = sum(x[0] for x in followed)
    em = sum(x[0] and x[1] == x[2] for x in followed)
    close_within(metrics["validity"], v / n, slack, "validity")
    close_within(metrics["exact_match"], em / n, slack, "exact match")
    if not deviated:
        rcf_a = [(d - m) / DEN for ok, d, m in followed if ok]
        close(metrics["mean_rcf_a"], sum(rcf_a) / len(rcf_a), "mean RCF_A")
        close(metrics["n"], n, "n")
    print(f"strict: validity {metrics['validity']:.4f} (brute force {v / n:.4f} +- {slack:.4f}), exact match "
          f"{metrics['exact_match']:.4f} (brute force {em / n:.4f}), mean RCF_A {metrics['mean_rcf_a']:.5f}")


def close_within(x, want, slack, what):
    if abs(x - want) > slack + 1e-12:
        fail(f"{what}: sceval {x}, brute force {want} (+- {slack} for the deviating rows)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("eval_json")
    ap.add_argument("--max-extra-map-errors", type=int, default=0)
    a = ap.parse_args()
    with open(a.eval_json) as f:
        ev = json.load(f)
    known_wrong = {(age, edu) for age, edu, _ in ev["turn1_wrong"]}
    with open(os.path.join(a.run, "results.json")) as f:
        res = json.load(f)
    if res["task"]["name"] != "toy_income" or not res["complete"]:
        fail(f"results.json: task {res['task']}, complete {res['complete']}")
    n_req = check_wording(a.run)
    labels, map_wrong = check_map(a.run, known_wrong, a.max_extra_map_errors)
    check_sces(a.run, labels, map_wrong, res["strict"]["metrics"])
    print(f"toy_check: ok ({n_req} requests)")


if __name__ == "__main__":
    main()
