"""Before/after table of the self-training loop (selftrain.sh): per point set (held-out, train, all),
strict validity and exact-match rate of each run from its sces.csv, the paired differences with CIs
from `sceval compare`, and the turn-1 map: agreement with the rule before and after, and the drift
(points whose turn-1 label changed).

usage: selftrain_summary.py BEFORE_DIR AFTER_DIR SPLIT.json COMPARE_HELDOUT.json COMPARE_TRAIN.json OUT.json
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toytask as T  # noqa: E402


def rates(run, points):
    with open(os.path.join(run, "sces.csv"), newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if int(r["index"]) in points and r["drop_reason"] == ""]
    n = len(rows)
    valid = sum(r["valid"] == "1" for r in rows)
    exact = sum(r["exact_match"] == "1" for r in rows)
    return {"n": n, "validity": valid / n if n else None, "exact_match": exact / n if n else None}


def labels(run):
    with open(os.path.join(run, "decision_map.csv"), newline="", encoding="utf-8") as f:
        return {int(r["index"]): (int(r["age"]), int(r["education"]), r["label"]) for r in csv.DictReader(f)}


def main():
    before, after, split_path, cmp_held, cmp_train, out = sys.argv[1:7]
    split = json.load(open(split_path))
    sets = {"heldout": set(split["heldout"]), "train": set(split["train"])}
    sets["all"] = sets["heldout"] | sets["train"]
    lb, la = labels(before), labels(after)
    rule_b = sum(lb[i][2] == T.label(lb[i][0], lb[i][1]) for i in lb)
    rule_a = sum(la[i][2] == T.label(la[i][0], la[i][1]) for i in la)
    drift = sorted(i for i in lb if lb[i][2] != la[i][2])
    result = {
        "points": {k: len(v) for k, v in sets.items()},
        "before": {k: rates(before, v) for k, v in sets.items()},
        "after": {k: rates(after, v) for k, v in sets.items()},
        "compare": {"heldout": json.load(open(cmp_held)), "train": json.load(open(cmp_train))},
        "map": {"points": len(lb), "rule_before": rule_b / len(lb), "rule_after": rule_a / len(la),
                "drift": len(drift), "drift_heldout": len(set(drift) & sets["heldout"]),
                "drift_points": [[lb[i][0], lb[i][1], lb[i][2], la[i][2]] for i in drift]},
    }
    json.dump(result, open(out, "w"), indent=1)

    def pct(x):
        return "-" if x is None else f"{100 * x:.2f} %"

    def ci(c, key):
        d, lo_hi = c["difference"].get(key), c["ci"].get(key)
        if d is None:
            return "-"
        return f"{100 * d:+.2f} pp [{100 * lo_hi[0]:+.2f}, {100 * lo_hi[1]:+.2f}]" if lo_hi else f"{100 * d:+.2f} pp"

    print("| points | n | validity before | after | paired diff [95% CI] | exact match before | after | paired diff [95% CI] |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for k in ("heldout", "train"):
        b, a, c = result["before"][k], result["after"][k], result["compare"][k]
        print(f"| {k} | {b['n']} | {pct(b['validity'])} | {pct(a['validity'])} | {ci(c, 'validity')} | "
              f"{pct(b['exact_match'])} | {pct(a['exact_match'])} | {ci(c, 'exact_match')} |")
    m = result["map"]
    print(f"\nturn-1 map equals the rule: before {pct(m['rule_before'])}, after {pct(m['rule_after'])}; "
          f"drift: {m['drift']} of {m['points']} points changed their turn-1 label ({m['drift_heldout']} held out)")


if __name__ == "__main__":
    main()
