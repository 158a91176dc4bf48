#!/usr/bin/env python3
"""Writes a synthetic two-feature task and a "model" that answers it by a known rule, as the inputs
of `sceval score`: TASK.json, decision_map.csv and sces.csv (one SCE per point). Used by the browser
test to build big runs (the toy task's 1,920 points, and a 200 x 100 grid of 20,000 points).

Rule: "above" iff y >= 80% of its range and 10% <= x <= 60% of its range (like the toy model).
SCE policy: the closest point of the other label (weighted L1 = Gower on this grid) for even x;
one step short of it (invalid) for odd x; every 11th point overshoots by 3 steps in y. With
--improved ("after" a fine-tune), odd x short of it only when x % 4 == 3.
Usage: make_rule_run.py OUT_DIR --x NX --y NY [--name NAME] [--improved]. Deterministic; stdlib only."""
import argparse
import csv
import json
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--x", type=int, required=True)
    ap.add_argument("--y", type=int, required=True)
    ap.add_argument("--name", default="rule_grid")
    ap.add_argument("--improved", action="store_true")
    a = ap.parse_args()
    nx, ny = a.x, a.y
    x0, x1, y0 = nx // 10, (6 * nx) // 10, (8 * ny) // 10
    os.makedirs(a.out, exist_ok=True)
    task = {"sceval_task": 1, "name": a.name, "title": "Synthetic rule grid (browser test)",
            "source": {"attribution": "tests/browser/make_rule_run.py"},
            "features": [{"name": "x", "key": "x", "type": "integer", "start": 0, "stop": nx - 1, "step": 1,
                          "description": "x: {value}"},
                         {"name": "y", "key": "y", "type": "integer", "start": 0, "stop": ny - 1, "step": 1,
                          "description": "y: {value}"}],
            "options": ["below", "above"], "answer_key": "answer",
            "description_format": {"prefix": "", "separator": "\n"},
            "prompt": "{description}\nincome?", "followup": "flip?", "system_prompt": None, "distance": "gower"}
    with open(os.path.join(a.out, "task.json"), "w") as f:
        json.dump(task, f, indent=1)

    def above(x, y):
        return y >= y0 and x0 <= x <= x1

    def cost(dx, dy):  # Gower on this grid, scaled by 2 (nx - 1) (ny - 1) to stay integral
        return abs(dx) * (ny - 1) + abs(dy) * (nx - 1)

    def closest(x, y):
        if not above(x, y):  # the nearest point of the box: clamp into it
            return min(max(x, x0), x1), max(y, y0)
        exits = [(x0 - 1, y), (x1 + 1, y), (x, y0 - 1)]
        exits = [(qx, qy) for qx, qy in exits if 0 <= qx < nx and 0 <= qy < ny]
        return min(exits, key=lambda q: (cost(q[0] - x, q[1] - y), q))

    def step_back(p, q):  # one grid step from q back towards p
        qx, qy = q
        if qy != p[1]:
            qy += 1 if p[1] > qy else -1
        elif qx != p[0]:
            qx += 1 if p[0] > qx else -1
        return qx, qy

    with open(os.path.join(a.out, "decision_map.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "x", "y", "label"])
        for x in range(nx):
            for y in range(ny):
                w.writerow([x * ny + y, x, y, "above" if above(x, y) else "below"])
    with open(os.path.join(a.out, "sces.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "target", "sce_x", "sce_y", "status"])
        for x in range(nx):
            for y in range(ny):
                i = x * ny + y
                q = closest(x, y)
                if x % 2 and (not a.improved or x % 4 == 3):
                    q = step_back((x, y), q)
                if i % 11 == 0:
                    q = (q[0], min(ny - 1, max(0, q[1] + (3 if q[1] >= y else -3))))
                w.writerow([i, "below" if above(x, y) else "above", q[0], q[1], ""])


if __name__ == "__main__":
    main()
