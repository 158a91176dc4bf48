#!/usr/bin/python3
"""Every example a new user copies runs as written: the fenced ```sh and ```python blocks of the
README and the docs below, in order (one shell and one Python session per file, so later blocks see
earlier variables), and the example programs in examples/python/.

They run in WORK_DIR/repo, a folder whose entries link to the source tree's (build/ to BUILD_DIR),
so that what the examples write lands there. What it checks beyond "exit 0":
  - nothing is written next to the sources (only under out/), and no example writes into
    out/demo (scripts/demo.sh's run: an example that replaced it would leave the demo's report
    describing another run);
  - `python3` first on PATH is a stand-in without pandas, as on many machines (pyenv, conda): a
    command must name Debian's /usr/bin/python3.
Lines that install or build (apt-get, install-deps.sh, build.sh, test.sh, demo.sh, cmake) are not
run: the test runs on the tree that is already built. A block that needs a program this build does
not have (build/bin/llama-server) is skipped, saying so. Other fences (cmake, json, text) are not
commands. Responses are cached in WORK_DIR/cache (XDG_CACHE_HOME), not in the user's cache.
Usage: doc_examples.py BUILD_DIR SOURCE_DIR WORK_DIR"""
import os
import re
import shutil
import subprocess
import sys

DOCS = ["README.md", "docs/python.md", "docs/first-run.md"]
# Example programs and their arguments (small limits: the in-process toy model under load is slow).
PROGRAMS = [("examples/python/audit_toy.py", ["--limit", "20", "-o", "out/toy-py-example"]),
            ("examples/python/paper_table.py", ["out/sweep-example"])]
NOT_RUN = re.compile(r"^\s*(sudo\s+)?(apt-get|\./scripts/(install-deps|build|test|demo)\.sh|cmake\s)")
FENCE = re.compile(r"^```(\w*)\s*$")
TIMEOUT_S = 1800


def blocks(path):
    """(language, first line number, text) of each fenced block of a Markdown file."""
    out, lang, start, lines = [], None, 0, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = FENCE.match(line.rstrip("\n"))
            if m and lang is None:
                lang, start, lines = m.group(1) or "text", n + 1, []
            elif line.startswith("```") and lang is not None:
                out.append((lang, start, "".join(lines)))
                lang = None
            elif lang is not None:
                lines.append(line)
    return out


def shell_script(doc, blocks_sh, repo):
    """One bash script of a file's sh blocks: build/install lines left out, blocks needing an absent
    program skipped; each block announced so that a failure names its line."""
    parts = ["set -e"]  # not pipefail: `sceval tasks -l | head` ends its writer early, as in a terminal
    for start, text in blocks_sh:
        missing = [p for p in re.findall(r"\./(build/bin/\S+)", text) if not os.path.exists(os.path.join(repo, p))]
        if missing:
            parts.append(f"echo '{doc}:{start}: skipped: this build has no {missing[0]}'")
            continue
        parts.append(f"echo '--- {doc}:{start}'")
        for k, line in enumerate(text.splitlines()):
            parts.append(f": not run here: {doc}:{start + k}" if NOT_RUN.match(line) else line)
    return "\n".join(parts) + "\n"


def stand_in_python(bin_dir):
    """A `python3` without pandas first on PATH: documented commands must name /usr/bin/python3."""
    os.makedirs(bin_dir, exist_ok=True)
    p = os.path.join(bin_dir, "python3")
    with open(p, "w") as f:
        f.write("#!/bin/sh\necho \"python3 here is not Debian's (no pandas): the example must say /usr/bin/python3\" >&2\n"
                "exit 97\n")
    os.chmod(p, 0o755)


def make_repo(src, build, repo):
    os.makedirs(os.path.join(repo, "out", "demo"))
    for name in os.listdir(src):
        if name not in ("build", "out", ".git"):
            os.symlink(os.path.join(src, name), os.path.join(repo, name))
    os.symlink(os.path.abspath(build), os.path.join(repo, "build"))
    with open(os.path.join(repo, "out", "demo", "MARKER"), "w") as f:
        f.write("scripts/demo.sh's run; no example may write here\n")


def run(cmd, env, cwd, what, failures, stdin=None):
    print(f"=== {what}", flush=True)
    try:
        p = subprocess.run(cmd, env=env, cwd=cwd, input=stdin, text=True, timeout=TIMEOUT_S)
        if p.returncode != 0:
            failures.append(f"{what}: exit {p.returncode}")
    except subprocess.TimeoutExpired:
        failures.append(f"{what}: still running after {TIMEOUT_S} s")


def sweep_for_paper_table(env, repo, failures):
    """paper_table.py reads a sweep: a one-cell sweep of the toy model (its turn-1 answers are cached
    by the examples before it)."""
    cfg = os.path.join(repo, "out", "sweep-example.json")
    with open(cfg, "w") as f:
        f.write('{"models": [{"alias": "toy", "spec": "gguf:models/toy/toy-income.gguf"}], "tasks": ["toy_income"],'
                ' "settings": {"limit": 10, "bootstrap": 100}}\n')
    run(["./build/src/cli/sceval", "sweep", cfg, "-o", "out/sweep-example"], env, repo, "sweep for paper_table.py",
        failures)


def main():
    build, src, work = (os.path.abspath(a) for a in sys.argv[1:4])
    shutil.rmtree(work, ignore_errors=True)
    repo = os.path.join(work, "repo")
    make_repo(src, build, repo)
    before = set(os.listdir(repo))
    stand_in_python(os.path.join(work, "bin"))
    env = dict(os.environ, PATH=os.path.join(work, "bin") + os.pathsep + os.environ["PATH"],
               XDG_CACHE_HOME=os.path.join(work, "cache"), PYTHONPATH=os.path.join(repo, "build", "python"))
    env.pop("SCEVAL_TASK_PATH", None)
    failures = []
    for doc in DOCS:
        bs = blocks(os.path.join(src, doc))
        sh = [(start, text) for lang, start, text in bs if lang in ("sh", "bash", "shell")]
        py = [(start, text) for lang, start, text in bs if lang == "python"]
        if sh:
            run(["bash"], env, repo, f"{doc}: {len(sh)} shell blocks", failures, shell_script(doc, sh, repo))
        if py:
            code = "".join(f"print('--- {doc}:{start}', flush=True)\n{text}" for start, text in py)
            run(["/usr/bin/python3", "-"], env, repo, f"{doc}: {len(py)} Python blocks", failures, code)
    for prog, args in PROGRAMS:
        if prog.endswith("paper_table.py"):
            sweep_for_paper_table(env, repo, failures)
        run(["/usr/bin/python3", prog] + args, env, repo, prog, failures)
    added = sorted(set(os.listdir(repo)) - before)
    if added:
        failures.append(f"examples wrote next to the sources (use out/): {added}")
    if os.listdir(os.path.join(repo, "out", "demo")) != ["MARKER"]:
        failures.append(f"an example wrote into out/demo, the demo's run: {sorted(os.listdir(os.path.join(repo, 'out', 'demo')))}")
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print("doc_examples: ok")


if __name__ == "__main__":
    main()
