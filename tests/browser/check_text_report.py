#!/usr/bin/env python3
"""Browser test of `sceval report` on text-audit runs (ctest browser_text_report, label `browser`):
the hand-written run tests/data/report/text_run alone, and beside a grid run. Asserts: no console
errors or CSP violations; the grid-only sections are absent from a text-only page (and hidden while
the text run is shown beside a grid run, whose own sections still draw); the metrics table's numbers
equal results.json (all rows and per requested label); the edit-size chart draws one point per
(SCE size, minimal size, censored) group of the searched rows of sces.csv; each sample-browser
filter lists exactly the rows sces.csv puts in it; a row's word diff marks its removed and inserted
words (worked by hand); the hostile revision runs nothing and is shown as text. A real run of the
reviews task by `sceval run` against the stub OpenAI-compatible server (tests/e2e/stub_openai.py):
its page shows each row's diff, whose unmarked and struck words spell the items file's text and
whose unmarked and inserted words spell the revision (read back with a tokeniser written here).
Usage: check_text_report.py SCEVAL SOURCE_DIR WORK_DIR"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

PAYLOAD = '</script><script>window.__xss = 1; document.title = "pwned"</script> day.'
GRID_SECTIONS = ["summary", "status", "scatter", "compare", "map", "steps", "edits", "stability", "quiz", "simulate", "samples"]
TEXT_SECTIONS = ["text-counts-section", "text-edits", "text-samples"]
RATES = {"generation_rate", "validity", "validity_with_history"}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def choose(b, select_id, value):
    b.eval(f"(() => {{ const s = document.getElementById('{select_id}'); s.value = '{value}'; "
           "s.dispatchEvent(new Event('change')); })()")
    b.eval("scevalIdle()")


def expected_groups(rows, unit):
    """The chart's points from sces.csv: searched rows grouped by (SCE size, minimal size, censored)."""
    xk, yk = ("sce_edit_hunks", "minimal_edit_hunks") if unit == "hunks" else ("levenshtein", "minimal_levenshtein")
    groups = {}
    for r in rows:
        if r["minimal_edit_hunks"]:
            key = (float(r[xk]), float(r[yk]), r["censored"] == "true")
            groups[key] = groups.get(key, 0) + 1
    return groups


DRAWN_POINTS = """(() => { const out = [];
  const walk = m => { for (const it of m.items || []) {
    if (m.marktype === 'symbol' && m.role === 'mark' && it.datum && it.datum.n !== undefined)
      out.push([it.datum.sce, it.datum.minimal, it.datum.search.startsWith('censored'), it.datum.n]);
    else if (it.items) for (const c of it.items) walk(c); } };
  walk(VIEWS.text_edits.scenegraph().root); return out; })()"""


def check_metrics(b, res, page):
    cells = b.eval("""[...document.querySelectorAll('#table-text-metrics td[data-key]')].map(td =>
        ({label: td.dataset.source, key: td.dataset.key, value: JSON.parse(td.dataset.value), text: td.textContent}))""")
    blocks = {"all": res["text"]["metrics"], **res["text"]["by_target"]}
    check(len(cells) == 8 * len(blocks), f"{page}: metrics table has {len(blocks)} rows of 8 numbers ({len(cells)} cells)")
    for c in cells:
        want = blocks[c["label"]].get(c["key"])
        check(c["value"] == want, f"{page}: {c} equals results.json {want}")
        if c["key"] in RATES and want is not None:
            check(c["text"].startswith(f"{100 * want:.1f}%"), f"{page}: {c['key']} shows {c['text']!r} for {want}")
        ci = blocks[c["label"]].get("ci", {}).get(c["key"])
        if want is not None and ci and ci[0] is not None:
            check("[" in c["text"], f"{page}: {c['label']} {c['key']} shows its CI ({c['text']!r})")


def check_chart(b, rows, page):
    for unit in ("hunks", "characters"):
        choose(b, "text-edits-unit", unit)
        drawn = {(p[0], p[1], p[2]): p[3] for p in b.eval(DRAWN_POINTS)}
        want = expected_groups(rows, unit)
        check(drawn == want, f"{page}: chart in {unit} draws {drawn}, sces.csv gives {want}")
    choose(b, "text-edits-unit", "hunks")


def check_filters(b, rows, page):
    kinds = {"valid": lambda r: r["generated"] == "true" and r["valid"] == "true",
             "invalid": lambda r: r["generated"] == "true" and r["valid"] == "false",
             "na": lambda r: r["generated"] == "true" and r["valid"] == "",
             "not_generated": lambda r: r["generated"] == "false",
             "censored": lambda r: r["censored"] == "true",
             "all": lambda r: True}
    for kind, keep in kinds.items():
        choose(b, "text-filter", kind)
        listed = b.eval("[...document.querySelectorAll('#text-sample-table tbody tr')].map(tr => tr.children[1].textContent)")
        want = [r["id"] for r in rows if keep(r)]
        check(listed == want, f"{page}: filter {kind} lists {listed}, sces.csv gives {want}")


def pick(b, row_id):
    b.eval(f"[...document.querySelectorAll('#text-sample-table tbody tr')].find(tr => tr.children[1].textContent === '{row_id}').click()")


def marks(b, block):
    return b.eval(f"""(() => {{ const blk = [...document.querySelectorAll('#text-sample-detail .text-block')]
        .find(d => d.querySelector('h5').textContent.startsWith('{block}'));
      return blk ? [[...blk.querySelectorAll('del')].map(e => e.textContent), [...blk.querySelectorAll('ins')].map(e => e.textContent),
                    blk.querySelector('.diff') ? blk.querySelector('.diff').textContent : blk.textContent] : null; }})()""")


def check_rows(b, page):
    pick(b, "a1")
    check(marks(b, "SCE") == [[" good", " great"], [" bad", " awful"],
                              "The film was good bad, and the cast was great awful."], f"{page}: a1 SCE diff ({marks(b, 'SCE')})")
    check(marks(b, "minimal") == [[" good"], [" bad"], "The film was good bad, and the cast was great."],
          f"{page}: a1 minimal diff ({marks(b, 'minimal')})")
    check(marks(b, "original")[2] == "The film was good, and the cast was great.", f"{page}: a1 original")
    detail = b.eval("document.getElementById('text-sample-detail').textContent")
    check("stage: text_counterfactual" in detail and "stage: text_validity (fresh)" in detail, f"{page}: a1 conversations shown")
    pick(b, "a5")
    check(marks(b, "minimal")[:2] == [["Good", " great"], ["Bad", " awful"]], f"{page}: a5 minimal diff ({marks(b, 'minimal')})")
    check("censored" in b.eval("document.getElementById('text-sample-detail').textContent"), f"{page}: a5 says censored")
    pick(b, "a6")
    check("unknown: id not in the items file" in marks(b, "original")[2], f"{page}: a6 says why it has no original")
    check(marks(b, "SCE") == [[], [], "Something else entirely."], f"{page}: a6 revision shown without marks")
    pick(b, "a3")  # hostile: markup in the original, a script in the revision and in the raw reply
    detail = b.eval("document.getElementById('text-sample-detail').textContent")
    check(PAYLOAD in detail.replace("REVISED SCENARIO: ", ""), f"{page}: hostile reply shown as text")
    check("".join(s for s in marks(b, "SCE")[1]) != "" and "window.__xss" in marks(b, "SCE")[2], f"{page}: hostile diff shown as text")
    check(b.eval("window.__xss") is None, f"{page}: no payload ran (window.__xss unset)")
    check(b.eval("document.title") == "sceval report", f"{page}: title unchanged")
    check(b.eval("document.querySelectorAll('main script, main b, main img').length - "
                 "document.querySelectorAll('main .msg > b').length") == 0, f"{page}: no element made from model text")


def words(text):
    """Words and single punctuation marks, as docs/text.md defines the diff's tokens (ASCII texts)."""
    return re.findall(r"[A-Za-z0-9_']+|[^A-Za-z0-9_'\s]", text)


def stub_run(sceval, src, w):
    """`sceval run` on 6 reviews against the stub server: every revision "The plot was fine."."""
    port = os.path.join(w, "port")
    server = subprocess.Popen(["/usr/bin/python3", os.path.join(src, "tests", "e2e", "stub_openai.py"), port,
                               "ANSWER: positive", "REVISED SCENARIO: The plot was fine."])
    try:
        for _ in range(100):
            if os.path.exists(port):
                break
            time.sleep(0.1)
        url = f"http://127.0.0.1:{open(port).read()}/v1"
        out = os.path.join(w, "stub-run")
        subprocess.run([sceval, "run", "--task", "reviews", "--model", f"openai:stub@{url}", "--cache",
                        os.path.join(w, "cache.sqlite"), "--bootstrap", "50", "--limit", "6", "-o", out],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return out
    finally:
        server.kill()
        server.wait()


def check_stub_page(b, html, run_dir):
    b.open("file://" + os.path.abspath(html))
    b.wait_for("window.scevalStatus && scevalStatus.done")
    res = json.load(open(os.path.join(run_dir, "results.json")))
    with open(os.path.join(run_dir, "sces.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    items = {}
    with open(res["task"]["items_path"]) as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                items[item["id"]] = item["text"]
    check_metrics(b, res, "stub")
    check(b.eval("Object.keys(scevalStatus.charts)") == [] and "No row was searched" in
          b.eval("document.getElementById('text-edits').textContent"), "stub: no searched row, the chart says so")
    listed = b.eval("[...document.querySelectorAll('#text-sample-table tbody tr')].map(tr => tr.children[1].textContent)")
    check(listed == [r["id"] for r in rows], f"stub: every row listed ({listed})")
    for r in rows:
        pick(b, r["id"])
        spans = b.eval("""[...document.querySelectorAll('#text-sample-detail .text-block')].find(d =>
            d.querySelector('h5').textContent.startsWith('SCE')).querySelectorAll('.diff > *').length""")
        got = b.eval("""(() => { const d = [...document.querySelectorAll('#text-sample-detail .text-block')].find(d =>
            d.querySelector('h5').textContent.startsWith('SCE')).querySelector('.diff');
          const text = skip => [...d.children].filter(e => e.tagName !== skip).map(e => e.textContent).join('');
          return [text('INS'), text('DEL'), d.querySelectorAll('del').length, d.querySelectorAll('ins').length]; })()""")
        check(spans > 1 and got[2] > 0 and got[3] > 0, f"stub {r['id']}: the SCE is drawn as a diff ({got})")
        check(words(got[0]) == words(items[r["id"]]), f"stub {r['id']}: unmarked + struck words spell the original ({got[0]!r})")
        check(words(got[1]) == words(r["revised_text"]), f"stub {r['id']}: unmarked + inserted words spell the revision ({got[1]!r})")
    errs = b.errors() + b.eval("scevalStatus.errors")
    check(not errs, f"stub: no console errors ({errs[:3]})")


def check_text_page(b, html, run_dir, page, grid_first):
    b.open("file://" + os.path.abspath(html))
    b.wait_for("window.scevalStatus && scevalStatus.done")
    res = json.load(open(os.path.join(run_dir, "results.json")))
    with open(os.path.join(run_dir, "sces.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    present = b.eval(f"{json.dumps(GRID_SECTIONS)}.filter(id => {{ const e = document.getElementById(id); "
                     "return e && !e.hidden; })")
    if grid_first:  # a grid run beside the text run: its sections draw, the text ones wait hidden
        check({"map", "steps", "edits", "samples", "summary"} <= set(present), f"{page}: grid sections shown ({present})")
        check(b.eval(f"{json.dumps(TEXT_SECTIONS)}.every(id => document.getElementById(id).hidden)"), f"{page}: text sections hidden")
        check({"decision_map", "steps", "edits"} <= set(b.eval("Object.keys(scevalStatus.charts)")), f"{page}: grid charts drawn")
        b.eval("scevalShowRun(1).then(() => scevalIdle())")
        present = b.eval(f"{json.dumps(GRID_SECTIONS[4:])}.filter(id => !document.getElementById(id).hidden)")
        check(present == [], f"{page}: the text run hides the grid run's sections ({present})")
    else:
        check(present == [], f"{page}: no grid section on a text-only page ({present})")
        check(b.eval(f"{json.dumps(GRID_SECTIONS)}.every(id => document.getElementById(id) === null)"),
              f"{page}: grid sections absent from the document")
    check(b.eval(f"{json.dumps(TEXT_SECTIONS)}.every(id => !document.getElementById(id).hidden)"), f"{page}: text sections shown")
    charts = b.eval("scevalStatus.charts")
    want = {"text_edits"} | ({"scatter"} if grid_first else set())
    check(set(charts) == want and all(c["marks"] > 0 for c in charts.values()), f"{page}: charts {charts} == {sorted(want)}")
    check_metrics(b, res, page)
    check_chart(b, rows, page)
    check_filters(b, rows, page)
    check_rows(b, page)
    csp = b.eval("document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    check("'unsafe-eval'" not in csp and "script-src 'nonce-" in csp, f"{page}: CSP admits no eval ({csp})")
    errs = b.errors() + b.eval("scevalStatus.errors")
    check(not errs, f"{page}: no console errors ({errs[:3]})")


def main():
    sceval, src, w = sys.argv[1:4]
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    run_dir = os.path.join(src, "tests", "data", "report", "text_run")
    ex = os.path.join(src, "examples", "income-rule")
    demo = os.path.join(w, "demo")
    run = lambda *a: subprocess.run([sceval, *a], check=True, stdout=subprocess.DEVNULL)  # noqa: E731
    run("score", "--task", "income", "--decision-map", os.path.join(ex, "decision_map.csv"),
        "--sces", os.path.join(ex, "sces.csv"), "-o", demo)
    pages = [("text", [run_dir], False), ("mixed", [demo, run_dir], True)]
    b = Browser()
    try:
        for name, dirs, grid_first in pages:
            html = os.path.join(w, name + ".html")
            run("report", *dirs, "-o", html)
            b.events.clear()
            check_text_page(b, html, run_dir, name, grid_first)
            b.screenshot(os.path.join(w, name + ".png"))
        real = stub_run(sceval, src, w)
        run("report", real, "-o", os.path.join(w, "stub.html"))
        b.events.clear()
        check_stub_page(b, os.path.join(w, "stub.html"), real)
    finally:
        b.close()
    print(f"check_text_report: {len(failures)} failed checks" if failures else "check_text_report: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
