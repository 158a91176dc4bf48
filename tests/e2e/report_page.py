#!/usr/bin/env python3
"""The report's summary heading and validity-vs-RCF_A chart in headless Chromium (ctest label browser):
the heading says what the two scoring modes are, and a run at the chart's corner (validity 100 %,
mean RCF_A 0: SCEs that are the closest counterfactuals) is drawn whole inside the plot, not cut by
its edge. Writes WORK_DIR/report.png (look at it after a change to the page).
Usage: report_page.py SCEVAL SOURCE_DIR WORK_DIR"""
import csv
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from cdp import Browser  # noqa: E402

# The scatter's points as Vega drew them (scenegraph symbols of the data layer, not the legends),
# in the plot's own coordinates, with the plot's size.
POINTS = """(() => { const v = VIEWS.scatter, out = [];
  const walk = m => { for (const it of m.items || []) {
    if (m.marktype === 'symbol' && m.role === 'mark') out.push({x: it.x, y: it.y, size: it.size, run: it.datum.run});
    else if (it.items) for (const c of it.items) walk(c); } };
  walk(v.scenegraph().root); return {width: v.width(), height: v.height(), points: out}; })()"""


def ideal_sces(closest_csv, dm_csv, out_csv):
    """Every labelled point's closest counterfactual as its SCE: validity 1, RCF_A 0."""
    with open(dm_csv, newline="") as f:
        label = {r["index"]: r["label"] for r in csv.DictReader(f)}
    with open(closest_csv, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["closest_index"]]
    feats = [c[len("closest_"):] for c in rows[0] if c.startswith("closest_") and c != "closest_index"]
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["index", "target"] + ["sce_" + x for x in feats])
        for r in rows:
            w.writerow([r["index"], label[r["closest_index"]]] + [r["closest_" + x] for x in feats])


def main():
    sceval, src, w = sys.argv[1:4]
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    dm = os.path.join(src, "examples", "income-rule", "decision_map.csv")
    run = lambda *a: subprocess.run([sceval, *a], check=True, stdout=subprocess.DEVNULL)  # noqa: E731
    run("score", "--task", "income", "--decision-map", dm, "--sces", os.path.join(src, "examples", "income-rule", "sces.csv"),
        "--bootstrap", "100", "-o", os.path.join(w, "demo"))
    run("closest", "--task", "income", "--decision-map", dm, "-o", os.path.join(w, "closest.csv"))
    ideal_sces(os.path.join(w, "closest.csv"), dm, os.path.join(w, "ideal_sces.csv"))
    run("score", "--task", "income", "--decision-map", dm, "--sces", os.path.join(w, "ideal_sces.csv"), "--bootstrap", "100",
        "-o", os.path.join(w, "ideal"))
    html = os.path.join(w, "report.html")
    run("report", os.path.join(w, "demo"), os.path.join(w, "ideal"), "-o", html)
    failures = []
    b = Browser()
    try:
        b.open("file://" + os.path.abspath(html))
        b.wait_for("window.scevalStatus && scevalStatus.done")
        heading = b.eval("document.querySelector('#summary h2').textContent")
        if "NA modes" in heading or "paper drops" not in heading or "strict drops only" not in heading:
            failures.append(f"the summary heading does not say what the modes are: {heading!r}")
        s = b.eval(POINTS)
        for p in s["points"]:
            r = (p["size"] / 3.14159) ** 0.5  # a circle's radius from its area
            if not (p["x"] - r >= 0 and p["x"] + r <= s["width"] and p["y"] - r >= 0 and p["y"] + r <= s["height"]):
                failures.append(f"run {p['run']}: point at ({p['x']:.1f}, {p['y']:.1f}) r {r:.1f} leaves the "
                                f"{s['width']} x {s['height']} plot")
        if len(s["points"]) != 2:
            failures.append(f"expected 2 points in the scatter, got {len(s['points'])}")
        b.eval("document.getElementById('scatter').scrollIntoView()")
        b.screenshot(os.path.join(w, "report.png"))
        failures += [f"console: {e}" for e in b.errors() + b.eval("scevalStatus.errors")]
    finally:
        b.close()
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print(f"report_page: ok ({s['points']})")


if __name__ == "__main__":
    main()
