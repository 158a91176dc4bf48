#!/usr/bin/env python3
"""Writes examples/income-rule/: a synthetic decision map and SCEs for the paper's `income` task.

The "model" answers by a known rule (Above $50,000 iff education code >= 20 and 25 <= age <= 65),
with a few unanswered points, and its SCEs follow a known policy like the paper's findings: for
even ages the closest point on the other side (valid and minimal), for odd ages one step short of
it (invalid), plus a few unparseable replies and one off-grid age. Deterministic; stdlib only.
"""
import csv, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "examples", "income-rule")
EDU = ["N/A - no schooling completed", "Nursery school / preschool", "Kindergarten", "1st grade only"] + \
      [f"{n}th grade" if n > 3 else {2: "2nd grade", 3: "3rd grade"}[n] for n in range(2, 12)] + \
      ["12th grade, no diploma", "Regular high school diploma", "GED or alternative credential",
       "Some college, less than 1 year", "Some college, 1 or more years, no degree", "Associate's degree",
       "Bachelor's degree", "Master's degree", "Professional degree beyond a bachelor's degree", "Doctorate degree"]
assert len(EDU) == 24
ABOVE, BELOW = "Above $50,000", "Below $50,000"
rng = random.Random(42)
points = [(a, e) for a in range(17, 97) for e in range(1, 25)]
label = {p: ABOVE if p[1] >= 20 and 25 <= p[0] <= 65 else BELOW for p in points}
na = set(rng.sample(points, 12))


def gower(p, q):  # exact Gower on the grid: range 79 for age, 23 for education
    return (abs(p[0] - q[0]) / 79 + abs(p[1] - q[1]) / 23) / 2


def closest(p, target):
    best = None
    for i, q in enumerate(points):
        if q in na or label[q] != target:
            continue
        d = gower(p, q)
        if best is None or d < best[0]:
            best = (d, q)
    return best[1]


def one_step_short(p, q):  # move from q one grid step back towards p
    a, e = q
    if q[0] != p[0]:
        a += 1 if p[0] > q[0] else -1
    elif q[1] != p[1]:
        e += 1 if p[1] > q[1] else -1
    return a, e


os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "decision_map.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["index", "AGEP", "SCHL", "label"])
    for i, p in enumerate(points):
        w.writerow([i, p[0], EDU[p[1] - 1], "" if p in na else label[p]])

with open(os.path.join(OUT, "sces.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["index", "target", "sce_AGEP", "sce_SCHL", "status"])
    for i, p in enumerate(points):
        if p in na or i % 7 != 0:  # a sample of 1 in 7 points, like --sample
            continue
        target = ABOVE if label[p] == BELOW else BELOW
        q = closest(p, target)
        if p[0] % 2:
            q = one_step_short(p, q)
        if i % 91 == 0:
            w.writerow([i, target, "", "", "no_json"])
        elif i % 133 == 0:
            w.writerow([i, target, q[0] + 0.5, EDU[q[1] - 1], ""])
        else:
            w.writerow([i, target, q[0], EDU[q[1] - 1], ""])
print("wrote", OUT)
