#!/usr/bin/env python3
"""Browser test of `sceval report` (ctest label `browser`): builds pages and loads them in headless
Chromium over the DevTools protocol. Asserts: no console errors, warnings or exceptions; every chart
renders a non-empty SVG; the decision map draws every cell of its slice; the numbers in the
summary and status tables equal results.json; hostile model text executes nothing and is shown as
text; at 1,920 and 20,000 SCEs the map draws a stratified sample of at most 300 arrows (all, or those
of a clicked region, on demand) and the summary table fits the 1400-pixel window; a lazy map shows
unasked cells as "not asked". Screenshots of the big pages go to WORK_DIR/*.png.
Usage: check_report.py SCEVAL SOURCE_DIR WORK_DIR [--screenshot PNG]"""
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
    if is_lazy(run_dir):
        return [len(f["values"]) for f in json.load(open(os.path.join(run_dir, "results.json")))["task"]["features"]]
    with open(os.path.join(run_dir, "decision_map.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    feats = [c for c in header[:header.index("label")] if c != "index"]
    return [len({r[header.index(c)] for r in rows[1:]}) for c in feats]


def is_lazy(run_dir):
    res = json.load(open(os.path.join(run_dir, "results.json")))
    return res.get("decision_map", {}).get("mode") == "lazy"


def expected_charts(run_dir, any_scatter, compare=False):
    names = {"decision_map", "edits"} | ({"scatter"} if any_scatter else set()) | (set() if is_lazy(run_dir) else {"steps"})
    if compare:
        names.add("compare")
    if os.path.exists(os.path.join(run_dir, "stability.json")):
        names.add("stability")
    if os.path.exists(os.path.join(run_dir, "gower_quiz.json")):
        names.add("quiz")
    return names


def model_blocks(res):
    return 1 + len([v for v in res.get("baselines", {}).values() if isinstance(v, dict)])


def check_table_fits(b, page):
    """The summary table fits the 1400-pixel window; the toggle shows the other columns."""
    w = b.eval("(() => { const t = document.getElementById('table-summary'); "
               "return [t.scrollWidth, t.clientWidth, document.documentElement.clientWidth]; })()")
    check(w[0] <= w[1] <= w[2], f"{page}: summary table fits the window (content {w[0]} px, box {w[1]} px, window {w[2]} px)")
    shown = """[...document.querySelectorAll('#table-summary thead th')].filter(th => getComputedStyle(th).display !== 'none').length"""
    before = b.eval(shown)
    b.eval("document.getElementById('columns-summary').click()")
    after = b.eval(shown)
    b.eval("document.getElementById('columns-summary').click()")
    check(before < 12 and after == 19, f"{page}: summary shows {before} columns, all {after} of 19 with the toggle")


def check_tables(b, runs, page):
    cells = b.eval("""[...document.querySelectorAll('#table-summary td[data-key], #table-status td[data-key]')].map(td =>
        ({table: td.closest('table').id, run: +td.dataset.run, mode: td.dataset.mode, source: td.dataset.source,
          key: td.dataset.key, value: JSON.parse(td.dataset.value), text: td.textContent}))""")
    n_summary = sum(2 * model_blocks(r) for r in runs)
    check(len([c for c in cells if c["table"] == "table-summary"]) == 14 * n_summary,
          f"{page}: summary table has {n_summary} rows of 14 numbers")
    for c in cells:
        res = runs[c["run"]]
        block = res[c["mode"]] if c["source"] == "model" else res["baselines"][c["source"].split(": ", 1)[1]][c["mode"]]
        if c["table"] == "table-summary":
            want = block.get("metrics", {}).get(c["key"])
        elif c["key"].startswith("by_status."):
            want = block.get("counts", {}).get("by_status", {}).get(c["key"][10:], 0)
        else:
            want = block.get("counts", {}).get(c["key"][7:])
        check(c["value"] == want, f"{page}: {c} equals results.json value {want}")
        if c["key"] in RATES and want is not None:
            check(c["text"].startswith(f"{100 * want:.1f}%"), f"{page}: {c['key']} shows {c['text']!r} for {want}")
        if want is None:
            check(c["text"].startswith("–"), f"{page}: null {c['key']} shows a dash")


def check_exports(b, runs, page):
    text = b.eval("exportTable(summaryModel(DATA.runs), 'csv')")
    rows = list(csv.DictReader(text.splitlines()))
    check(len(rows) == sum(2 * model_blocks(r) for r in runs), f"{page}: CSV export has every row")
    names = b.eval("DATA.runs.map(r => r.name)")
    for row in rows:
        res = runs[names.index(row["run"])]
        src = row["source"]
        block = res[row["mode"]] if src == "model" else res["baselines"][src.split(": ", 1)[1]][row["mode"]]
        for key, col in (("validity", "validity"), ("mean_rcf_a", "mean RCF_A"), ("n", "N")):
            want = block.get("metrics", {}).get(key)
            check((row[col] == "" and want is None) or float(row[col]) == want, f"{page}: CSV {col} {row[col]!r} == {want}")
    for fmt, marker in (("md", "| run | model |"), ("tex", "\\begin{tabular}")):
        out = b.eval(f"exportTable(summaryModel(DATA.runs), '{fmt}')")
        check(marker in out and len(out.splitlines()) >= len(rows) + 2, f"{page}: {fmt} export")
    svgs = b.eval("Promise.all(Object.entries(VIEWS).map(([n, v]) => v.toSVG().then(s => [n, s.length, s.slice(0, 4)])))")
    check(svgs and all(s[2] == "<svg" and s[1] > 1000 for s in svgs), f"{page}: SVG export of every chart ({svgs})")


def check_run(b, r, run_dir, any_scatter, page):
    b.eval(f"scevalShowRun({r}).then(() => scevalIdle())")
    status = b.eval("scevalStatus")
    want = expected_charts(run_dir, any_scatter, b.eval("!!document.getElementById('compare')"))
    check(set(status["charts"]) == want, f"{page} run {r}: charts {sorted(status['charts'])} == {sorted(want)}")
    for name, c in status["charts"].items():
        check(c["marks"] > 0, f"{page} run {r}: chart {name} has marks")
    empty = b.eval("[...document.querySelectorAll('.vega')].filter(d => !d.querySelector('svg g.role-mark > *')).length")
    check(empty == 0, f"{page} run {r}: {empty} chart containers without a drawn mark")
    sizes = axis_sizes(run_dir)
    dm = status["charts"]["decision_map"]
    check(dm["cells"] == dm["rendered_cells"] == sizes[0] * sizes[1],
          f"{page} run {r}: decision map draws {dm['rendered_cells']} of {sizes[0]} x {sizes[1]} cells")


def check_page(b, html, run_dirs, page, extra=None, screenshot=None):
    b.events.clear()
    b.open("file://" + os.path.abspath(html))
    b.wait_for("window.scevalStatus && scevalStatus.done")
    runs = [json.load(open(os.path.join(d, "results.json"))) for d in run_dirs]
    any_scatter = any(r["strict"]["metrics"].get("validity") is not None and r["strict"]["metrics"].get("mean_rcf_a") is not None
                      for r in runs)
    check_tables(b, runs, page)
    check_exports(b, runs, page)
    check_table_fits(b, page)
    for r, d in enumerate(run_dirs):
        check_run(b, r, d, any_scatter, page)
    if screenshot:
        b.screenshot(screenshot)
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


# The map's arrows as Vega drew them (scenegraph items of the rule mark whose data are SCEs).
DRAWN_ARROWS = """(() => { const out = [];
  const walk = m => { for (const it of m.items || []) {
    if (m.marktype === 'rule' && it.datum && it.datum.kind !== undefined && it.datum.row !== undefined)
      out.push({row: it.datum.row, x0: it.datum.x0, y0: it.datum.y0, kind: it.datum.kind});
    else if (it.items) for (const c of it.items) walk(c); } };
  walk(VIEWS.decision_map.scenegraph().root); return out; })()"""


def choose(b, select_id, value):
    b.eval(f"(() => {{ const s = document.getElementById('{select_id}'); s.value = '{value}'; "
           "s.dispatchEvent(new Event('change')); })()")
    b.eval("scevalIdle()")


def rule_rows(run_dir, ny):
    """sces.csv of a make_rule_run.py run: (row, x, y, strict kind) of every SCE, from the file."""
    with open(os.path.join(run_dir, "sces.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    kinds = {"1": "valid", "0": "invalid"}
    return [(r, *divmod(int(row["index"]), ny), kinds.get(row.get("valid", ""), "not scored")) for r, row in enumerate(rows)]


def arrow_checks(nx, ny, run_dir, page, show_all):
    """Default: a stratified sample of at most 300 arrows (every region x validity stratum, shares in
    proportion); all of them on demand; only those of the clicked region (blocks of ceil(n / 8) levels)."""
    bx, by = -(-nx // 8), -(-ny // 8)
    region = lambda x, y: (x // bx, y // by)  # noqa: E731

    def run(b):
        rows = rule_rows(run_dir, ny)
        coords = {r: (x, y) for r, x, y, _ in rows}
        drawn = b.eval(DRAWN_ARROWS)
        dm = b.eval("scevalStatus.charts.decision_map")
        n = len(rows)
        check(dm["arrows_total"] == n and dm["arrows"] == len(drawn) == min(300, n),
              f"{page}: {len(drawn)} arrows drawn ({dm}) of {n}")
        check(len({d["row"] for d in drawn}) == len(drawn), f"{page}: sampled arrows are distinct SCEs")
        check(all(coords[d["row"]] == (d["x0"], d["y0"]) for d in drawn), f"{page}: every arrow starts at its SCE's point")
        strata = {(region(x, y), k) for _, x, y, k in rows}
        got = {(region(d["x0"], d["y0"]), d["kind"]) for d in drawn}
        check(got == strata, f"{page}: the sample covers all {len(strata)} region x validity strata ({len(got)})")
        for kind in ("valid", "invalid"):
            want = 300 * sum(1 for *_, k in rows if k == kind) / n
            have = sum(1 for d in drawn if d["kind"] == kind)
            check(abs(have - want) <= len(strata), f"{page}: {have} {kind} arrows, about {want:.0f} in proportion")
        note = b.eval("document.getElementById('map-arrow-note').textContent")
        check(note.startswith(f"Showing 300 of the {n} SCEs"), f"{page}: the note says how many are shown ({note!r})")
        if show_all:
            choose(b, "map-count", "all")
            check(len(b.eval(DRAWN_ARROWS)) == n, f"{page}: 'all of them' draws all {n} arrows")
        # A click on a cell selects its region; "those from the clicked region" draws exactly its SCEs.
        choose(b, "map-count", "region")
        x, y = nx // 3, ny // 2
        b.eval(f"[...document.querySelectorAll('[data-chart=decision_map] g.mark-rect.role-mark')][0].children[{x * ny + y}]"
               ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        b.eval("scevalIdle().then(() => new Promise(r => setTimeout(r, 300))).then(() => scevalIdle())")
        check(b.eval("document.getElementById('point-detail').textContent").startswith(f"Point {x * ny + y}:"),
              f"{page}: the click selected point {x * ny + y}")
        want = sorted(r for r, px, py, _ in rows if region(px, py) == region(x, y))
        have = sorted(d["row"] for d in b.eval(DRAWN_ARROWS))
        check(have == want, f"{page}: the clicked region shows its {len(want)} SCEs ({len(have)})")
        choose(b, "map-count", "sample")
    return run


def compare_checks(before, after, ny):
    """Before / after: SCEs paired by point and requested label, counted by strict validity."""
    def run(b):
        kb = {(x, y): k for _, x, y, k in rule_rows(before, ny)}
        table = {}
        for _, x, y, k in rule_rows(after, ny):
            table[(kb[(x, y)], k)] = table.get((kb[(x, y)], k), 0) + 1
        cells = b.eval("[...document.querySelectorAll('#table-compare td')].map(td => [td.dataset.before, td.dataset.after, +td.textContent])")
        check(len(cells) == 9 and all(n == table.get((p, q), 0) for p, q, n in cells), f"compare: table {cells} == {table}")
        changed = table.get(("invalid", "valid"), 0) + table.get(("valid", "invalid"), 0)
        drawn = b.eval(DRAWN_ARROWS.replace("VIEWS.decision_map", "VIEWS.compare"))
        check(changed > 0 and len(drawn) == min(300, changed), f"compare: {len(drawn)} arrows of {changed} changed SCEs")
        kinds = {d["kind"] for d in drawn}
        check(kinds <= {"valid", "invalid"}, f"compare: arrows coloured by the after run's validity ({kinds})")
    return run


def make_lazy_run(src, dst, nx, ny):
    """A lazy run directory made from a scored rule run: the labels of some points only
    (decision_map.csv with the asked rows only), results.json with decision_map.mode "lazy" and task.features."""
    shutil.copytree(src, dst)
    with open(os.path.join(src, "decision_map.csv"), newline="") as f:
        rows = list(csv.reader(f))
    asked = [r for r in rows[1:] if (int(r[1]) + int(r[2])) % 3 == 0 or int(r[2]) >= ny - 6]
    with open(os.path.join(dst, "decision_map.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([rows[0]] + asked)
    res = json.load(open(os.path.join(src, "results.json")))
    res["task"]["features"] = [{"name": "x", "values": [str(v) for v in range(nx)]},
                               {"name": "y", "values": [str(v) for v in range(ny)]}]
    res["decision_map"] = {"mode": "lazy", "grid_points": nx * ny, "queried_points": len(asked)}
    res["paper"] = {"available": False, "reason": "paper mode needs the full decision map"}
    res["baselines"] = {"available": False, "reason": "baselines need the full decision map"}
    with open(os.path.join(dst, "results.json"), "w") as f:
        json.dump(res, f)
    label = {(int(r[1]), int(r[2])): r[3] for r in asked}
    edges = sum(1 for (x, y), l in label.items() for q in ((x + 1, y), (x, y + 1)) if q in label and label[q] != l)
    return len(asked), edges


def lazy_checks(nx, ny, n_asked, n_edges):
    def run(b):
        fills = b.eval("[...document.querySelectorAll('[data-chart=decision_map] g.mark-rect.role-mark')][0].children.length + ',' + "
                       "[...[...document.querySelectorAll('[data-chart=decision_map] g.mark-rect.role-mark')][0].children]"
                       ".filter(p => p.getAttribute('fill') === '#ffffff').length")
        cells, white = map(int, fills.split(","))
        check(cells == nx * ny and white == nx * ny - n_asked, f"lazy: {white} of {cells} cells 'not asked' ({nx * ny - n_asked})")
        boundary = b.eval("""(() => { let n = 0; const walk = m => { for (const it of m.items || []) {
            if (m.marktype === 'rule' && it.datum && it.datum.kind === undefined && it.datum.y1 !== undefined) ++n;
            else if (it.items) for (const c of it.items) walk(c); } };
            walk(VIEWS.decision_map.scenegraph().root); return n; })()""")
        check(boundary == n_edges, f"lazy: boundary drawn only between asked neighbours ({boundary} of {n_edges} edges)")
        check("not asked" in b.eval("document.querySelector('[data-chart=decision_map]').textContent"), "lazy: legend names 'not asked'")
        check("need the full decision map" in b.eval("document.getElementById('steps').textContent"), "lazy: steps say why absent")
    return run


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
    big = {}
    for name, nx, ny in (("rule1920", 80, 24), ("rule20k", 200, 100), ("rule1920-after", 80, 24)):
        gen = os.path.join(w, name + "-input")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_rule_run.py"), gen,
                        "--x", str(nx), "--y", str(ny)] + (["--improved"] if name.endswith("after") else []), check=True)
        big[name] = os.path.join(w, name)
        sceval(a.sceval, "score", "--task", os.path.join(gen, "task.json"), "--decision-map", os.path.join(gen, "decision_map.csv"),
               "--sces", os.path.join(gen, "sces.csv"), "--bootstrap", "200", "-o", big[name])
    lazy = os.path.join(w, "lazy")
    n_asked, n_edges = make_lazy_run(big["rule1920"], lazy, 80, 24)
    pages = [("demo", [demo], None), ("hostile", [hostile], hostile_checks),
             ("sweep", [os.path.join(sweep, "a__income"), os.path.join(sweep, "b__toy")], None),
             ("rule1920", [big["rule1920"]], arrow_checks(80, 24, big["rule1920"], "rule1920", True)),
             ("rule20k", [big["rule20k"]], arrow_checks(200, 100, big["rule20k"], "rule20k", False)),
             ("lazy", [lazy], lazy_checks(80, 24, n_asked, n_edges)),
             ("beforeafter", [big["rule1920"], big["rule1920-after"]],
              compare_checks(big["rule1920"], big["rule1920-after"], 24))]
    b = Browser()
    try:
        for name, dirs, extra in pages:
            html = os.path.join(w, name + ".html")
            sceval(a.sceval, "report", *(dirs if name != "sweep" else [sweep]), "-o", html)
            check_page(b, html, dirs, name, extra, os.path.join(w, name + ".png") if name in big or name in ("lazy", "beforeafter") else None)
            if a.screenshot and name == "demo":
                b.screenshot(a.screenshot)
    finally:
        b.close()
    print(f"check_report: {len(failures)} failed checks" if failures else "check_report: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
