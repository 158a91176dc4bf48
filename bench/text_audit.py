#!/usr/bin/python3
"""Text audits: wall time of a 200-item audit of tasks/text/reviews with a Python rule callable (no
cache, so every request is answered), and ddmin's queries per searched item against its SCE's hunk
count. Usage: PYTHONPATH=build/python /usr/bin/python3 bench/text_audit.py [ITEMS]"""
import os
import re
import sys
import time

import sceval

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
POS = ["great", "good", "excellent", "wonderful", "enjoyable", "brilliant"]
NEG = ["bad", "boring", "awful", "dull", "terrible", "weak"]
SWAP = dict(zip(POS + NEG, NEG + POS))


def label(text):
    words = [w.strip(".,!?").lower() for w in text.split()]
    return "positive" if sum(w in POS for w in words) > sum(w in NEG for w in words) else "negative"


def review(content):
    return re.search(r"Review: (.*?)\n\n", content, re.S).group(1)


def model(conversations):
    """The task's rule; as SCE it swaps every sentiment word and rewrites each "The" (over-edits)."""
    out = []
    for conv in conversations:
        if len(conv) == 3:
            text = re.sub(r"\w+", lambda m: SWAP.get(m.group(0), m.group(0)), review(conv[0]["content"]))
            out.append("REVISED SCENARIO: " + text.replace("The ", "This "))
        else:
            out.append("ANSWER: " + label(review(conv[-1]["content"])))
    return out


def main(items=200):
    t = sceval.load_task(os.path.join(ROOT, "tasks", "text", "reviews.json"))
    t0 = time.perf_counter()
    r = sceval.run(t, model, limit=int(items), no_cache=True, progress=False)
    wall = time.perf_counter() - t0
    s = r.sces.dropna(subset=["ddmin_queries"])
    by = s.groupby(s["sce_edit_hunks"].astype(int))["ddmin_queries"].apply(lambda q: q.astype(int).mean())
    print(f"{len(r.sces)} rows, {r.requests} requests, {wall:.2f} s wall")
    print("hunks  mean ddmin queries  items")
    for h, q in by.items():
        print(f"{h:5d}  {q:18.2f}  {int((s['sce_edit_hunks'].astype(int) == h).sum()):5d}")


if __name__ == "__main__":
    main(*sys.argv[1:])
