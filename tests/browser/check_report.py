#!/usr/bin/env python3
"""Browser test of `sceval report` (ctest label `browser`): builds pages and loads them in headless
Chromium over the DevTools protocol. Asserts: no console errors, warnings or exceptions; every chart
renders a non-empty SVG; the decision map draws every cell of its slice; the numbers in the
summary and status tables equal results.json; hostile model text executes nothing and is shown as
text. Usage: check_report.py SCEVAL SOURCE_DIR WORK_DIR [--screenshot PNG]"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

PAYLOAD = '</script><script>window.__xss = 1; document.title = "pwned"</script>'
RATES = {"validity", "exact_match"}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def axis_sizes(run_dir):
    with open(os.path.join(run_dir, "decision_map.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    feats = [c for c in header[:header.index("label")] if c != "index"]
    return [len({r[header.index(c)] for r in rows[1:]}) for c in feats]


def expected_charts(run_dir, any_scatter):
    names = {"decision_map", "steps", "edits"} | ({"scatter"} if any_scatter else set())
    if os.path.exists(os.path.join(run_dir, "stability.json")):
        names.add("stability")
    if os.path.exists(os.path.join(run_dir, "gower_quiz.json")):
        names.add("quiz")
    return names


def check_tables(b, runs, page):
    cells = b.eval("""[...document.querySelectorAll('#table-summary td[data-key], #table-status td[data-key]')].map(td =>
        ({table: td.closest('table').id, run: +td.dataset.run, mode: td.dataset.mode, source: td.dataset.source,
          key: td.dataset.key, value: JSON.parse(td.dataset.value), text: td.textContent}))""")
    n_summary = sum(2 * (1 + len(r.get("baselines", {}))) for r in runs)
    check(len([c for c in cells if c["table"] == "table-summary"]) == 14 * n_summary,
          f"{page}: summary table has {n_summary} rows of 14 numbers")
    for c in cells:
        res = runs[c["run"]]
        block = res[c["mode"]] if c["source"] == "model" else res["baselines"][c["source"].split(": ", 1)[1]][c["mode"]]
        if c["table"] == "table-summary":
            want = block["metrics"].get(c["key"])
        elif c["key"].startswith("by_status."):
            want = block["counts"]["by_status"].get(c["key"][10:], 0)
        else:
            want = block["counts"][c["key"][7:]]
        check(c["value"] == want, f"{page}: {c} equals results.json value {want}")
        if c["key"] in RATES and want is not None:
            check(c["text"].startswith(f"{100 * want:.1f}%"), f"{page}: {c['key']} shows {c['text']!r} for {want}")
        if want is None:
            check(c["text"].startswith("–"), f"{page}: null {c['key']} shows a dash")


def check_exports(b, runs, page):
    text = b.eval("exportTable(summaryModel(DATA.runs), 'csv')")
    rows = list(csv.DictReader(text.splitlines()))
    check(len(rows) == sum(2 * (1 + len(r.get("baselines", {}))) for r in runs), f"{page}: CSV export has every row")
    names = b.eval("DATA.runs.map(r => r.name)")
    for row in rows:
        res = runs[names.index(row["run"])]
        src = row["source"]
        block = res[row["mode"]] if src == "model" else res["baselines"][src.split(": ", 1)[1]][row["mode"]]
        for key, col in (("validity", "validity"), ("mean_rcf_a", "mean RCF_A"), ("n", "N")):
            want = block["metrics"][key]
            check((row[col] == "" and want is None) or float(row[col]) == want, f"{page}: CSV {col} {row[col]!r} == {want}")
    for fmt, marker in (("md", "| run | model |"), ("tex", "\\begin{tabular}")):
        out = b.eval(f"exportTable(summaryModel(DATA.runs), '{fmt}')")
        check(marker in out and len(out.splitlines()) >= len(rows) + 2, f"{page}: {fmt} export")
    svgs = b.eval("Promise.all(Object.entries(VIEWS).map(([n, v]) => v.toSVG().then(s => [n, s.length, s.slice(0, 4)])))")
    check(svgs and all(s[2] == "<svg" and s[1] > 1000 for s in svgs), f"{page}: SVG export of every chart ({svgs})")


def check_run(b, r, run_dir, any_scatter, page):
    b.eval(f"scevalShowRun({r}).then(() => scevalIdle())")
    status = b.eval("scevalStatus")
    want = expected_charts(run_dir, any_scatter)
    check(set(status["charts"]) == want, f"{page} run {r}: charts {sorted(status['charts'])} == {sorted(want)}")
    for name, c in status["charts"].items():
        check(c["marks"] > 0, f"{page} run {r}: chart {name} has marks")
    empty = b.eval("[...document.querySelectorAll('.vega')].filter(d => !d.querySelector('svg g.role-mark > *')).length")
    check(empty == 0, f"{page} run {r}: {empty} chart containers without a drawn mark")
    sizes = axis_sizes(run_dir)
    dm = status["charts"]["decision_map"]
    check(dm["cells"] == dm["rendered_cells"] == sizes[0] * sizes[1],
          f"{page} run {r}: decision map draws {dm['rendered_cells']} of {sizes[0]} x {sizes[1]} cells")


def check_page(b, html, run_dirs, page, extra=None):
    b.events.clear()
    b.open("file://" + os.path.abspath(html))
    b.wait_for("window.scevalStatus && scevalStatus.done")
    runs = [json.load(open(os.path.join(d, "results.json"))) for d in run_dirs]
    any_scatter = any(r["strict"]["metrics"].get("validity") is not None and r["strict"]["metrics"].get("mean_rcf_a") is not None
                      for r in runs)
    check_tables(b, runs, page)
    check_exports(b, runs, page)
    for r, d in enumerate(run_dirs):
        check_run(b, r, d, any_scatter, page)
    if extra:
        extra(b)
    # The charts above rendered under a policy that forbids eval: Vega interpreted its expressions.
    csp = b.eval("document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    check("'unsafe-eval'" not in csp and "script-src 'nonce-" in csp, f"{page}: CSP admits no eval ({csp})")
    errs = b.errors() + b.eval("scevalStatus.errors")
    check(not errs, f"{page}: no console errors ({errs[:3]})")


def hostile_checks(b):
    # Soft map (colour by p(yes)) on another slice, then pick the first SCE: its closest CF is drawn.
    b.eval("""(() => { const c = document.getElementById('map-colour'); c.value = '1'; c.dispatchEvent(new Event('change'));
                      const s = document.querySelector('select[data-feature]'); s.value = '1'; s.dispatchEvent(new Event('change')); })()""")
    b.eval("scevalIdle()")
    check(b.eval("scevalStatus.charts.decision_map.rendered_cells") == 12, "hostile: soft map slice has 3 x 4 cells")
    b.eval("document.querySelector('#sample-table tr.pick').click()")
    b.eval("scevalIdle().then(() => new Promise(r => setTimeout(r, 300)))")
    groups = b.eval("[...document.querySelectorAll('[data-chart=decision_map] g.role-mark.mark-symbol')].map(g => g.childElementCount)")
    check(len(groups) >= 2 and groups[-1] == 1 and groups[-2] >= 1, f"hostile: selected point and closest CF drawn ({groups})")
    check(b.eval("window.__xss") is None, "hostile: no payload ran (window.__xss unset)")
    check(b.eval("document.title") == "sceval report", "hostile: title unchanged")
    check(b.eval("document.querySelectorAll('img, main script, main svg[onload]').length + "
                 "[...document.querySelectorAll('b')].filter(e => e.textContent === 'violet').length") == 0,
          "hostile: no element made from model text")
    check(PAYLOAD in b.eval("document.getElementById('sample-detail').textContent"), "hostile: reply shown as text")
    check("<b>violet</b>" in b.eval("document.getElementById('point-detail').textContent + "
                                    "[...document.querySelectorAll('option')].map(o => o.textContent).join()"),
          "hostile: markup in feature values shown as text")


def sceval(binary, *args):
    subprocess.run([binary, *args], check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sceval")
    ap.add_argument("source_dir")
    ap.add_argument("work_dir")
    ap.add_argument("--screenshot")
    a = ap.parse_args()
    w = a.work_dir
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    ex = os.path.join(a.source_dir, "examples", "income-rule")
    demo = os.path.join(w, "demo")
    sceval(a.sceval, "score", "--task", "income", "--decision-map", os.path.join(ex, "decision_map.csv"),
           "--sces", os.path.join(ex, "sces.csv"), "-o", demo)
    hostile = os.path.join(a.source_dir, "tests", "browser", "fixtures", "hostile-run")
    sweep = os.path.join(w, "sweep")
    shutil.copytree(demo, os.path.join(sweep, "a__income"))
    shutil.copytree(hostile, os.path.join(sweep, "b__toy"))
    pages = [("demo", [demo], None), ("hostile", [hostile], hostile_checks),
             ("sweep", [os.path.join(sweep, "a__income"), os.path.join(sweep, "b__toy")], None)]
    b = Browser()
    try:
        for name, dirs, extra in pages:
            html = os.path.join(w, name + ".html")
            sceval(a.sceval, "report", *(dirs if name != "sweep" else [sweep]), "-o", html)
            check_page(b, html, dirs, name, extra)
            if a.screenshot and name == "demo":
                b.screenshot(a.screenshot)
    finally:
        b.close()
    print(f"check_report: {len(failures)} failed checks" if failures else "check_report: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
