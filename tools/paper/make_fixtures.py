#!/usr/bin/env python3
"""Write the test fixtures in tests/data/ from the paper's own data (standard library only).

Inputs (the paper's, not sceval's):
  * tools/paper/datasets.json (src/models_datasets/datasets.json of HarryMayne/SCEs@ac7f47e);
  * the paper's three grids as JSONL (lossless dumps of data/<grid>/data-00000-of-00001.arrow,
    their sha256 is checked below). By default (or with --grids pointing at
    tests/data/paper_grids) the script regenerates from its own compact copies; the output is
    the same because those keep every column used here.

Outputs:
  * tests/data/paper_grids/<income|house_prices|heart_disease>.jsonl: one compact JSON object
    per grid row, in file order, with only `id`, `description` and the feature columns.
  * tests/data/paper_prompts.json: {variant: {"grid", "prompt_sha256", "prompt_first",
    "prompt_last", "followups"}} for every key of datasets.json, in datasets.json order, where
    prompt_sha256 = sha256("\\x00".join(template.format(description=row["description"]) for
    every row in id order).encode("utf-8")) and followups = {option:
    followup_template.format(complement=option)}. Python's own str.format is used: that is the
    paper's code path (utils.standard_prompts, utils.to_chat_followup).

As a cross-check (not used for the output), the task files in tasks/paper/ are rendered with
tools/paper/taskfmt.py from their features and compared with these fixtures.
Re-running gives byte-identical files; --check only verifies that the files are up to date.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import taskfmt  # noqa: E402

GRID_NAMES = ("income", "house_prices", "heart_disease")
FEATURE_COLUMNS = {
    "income": ["AGEP", "SCHL"],
    "house_prices": ["area", "bedrooms", "bathrooms", "floors"],
    "heart_disease": ["AGEP", "SEX", "systolic_bp", "total_cholesterol"],
}
# sha256 of the full JSONL dumps (grids/README.md); checked when those are the input.
FULL_GRID_SHA256 = {
    "income": "53f5571993c2494b9e6edea2cabbb097432eeffca2a6d9021edba5bd6ce51ddf",
    "house_prices": "921c76b901bdb3c29ec4454ef81326a37f80ce5258f07d13652a83978631c31d",
    "heart_disease": "c8b296a020a8104ed273ebd2f4b406726319bad384d054b9556337e0bacaf64e",
}
FIXTURE_GRIDS = REPO / "tests" / "data" / "paper_grids"


def grid_of(key):
    for g in GRID_NAMES:
        if key == g or key.startswith(g + "_"):
            return g
    raise SystemExit(f"cannot tell the grid of datasets.json key {key!r}")


def compact_rows(grid, path):
    """The grid's rows reduced to id, description and feature columns; checks the id order."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for pos, line in enumerate(fh):
            row = json.loads(line)
            if row["id"] != pos:
                raise SystemExit(f"{path}: row {pos} has id {row['id']}")
            keep = {"id": row["id"], "description": row["description"]}
            for c in FEATURE_COLUMNS[grid]:
                keep[c] = row[c]
            rows.append(keep)
    return rows


def variant_fixture(grid, v, rows):
    template = v["standard_prompt_template"]
    prompts = [template.format(description=row["description"]) for row in rows]
    return {
        "grid": grid,
        "prompt_sha256": hashlib.sha256("\x00".join(prompts).encode("utf-8")).hexdigest(),
        "prompt_first": prompts[0],
        "prompt_last": prompts[-1],
        "followups": {o: v["followup_template"].format(complement=o) for o in v["options"]},
    }


def task_matches(task, grid_rows, fx):
    """Does a task file, rendered by taskfmt, reproduce the paper-derived fixture?"""
    n = taskfmt.grid_size(task)
    if n != len(grid_rows):
        return False
    prompts = [taskfmt.render_prompt(task, taskfmt.render_description(task, taskfmt.point(task, i)))
               for i in range(n)]
    return (hashlib.sha256("\x00".join(prompts).encode("utf-8")).hexdigest() == fx["prompt_sha256"]
            and prompts[0] == fx["prompt_first"] and prompts[-1] == fx["prompt_last"]
            and {o: taskfmt.render_followup(task, o) for o in task["options"]} == fx["followups"]
            and list(fx["followups"]) == task["options"])


def put(path, text, check, counts):
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        counts["unchanged"] += 1
        return
    if check:
        counts["stale"] += 1
        print(f"out of date: {path}", file=sys.stderr)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    counts["written"] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=HERE / "datasets.json")
    ap.add_argument("--grids", type=Path, default=None,
                    help=f"the paper's full grids as JSONL (default: {FIXTURE_GRIDS})")
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "data")
    ap.add_argument("--tasks", type=Path, default=REPO / "tasks" / "paper")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    grid_dir = args.grids or FIXTURE_GRIDS
    print(f"grids: {grid_dir}")
    datasets = json.loads(args.datasets.read_text(encoding="utf-8"))

    counts = {"written": 0, "unchanged": 0, "stale": 0}
    grids = {}
    for g in GRID_NAMES:
        path = grid_dir / f"{g}.jsonl"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest == FULL_GRID_SHA256[g]:
            origin = "full paper dump, sha256 verified"
        elif path.resolve() == (FIXTURE_GRIDS / f"{g}.jsonl").resolve():
            origin = "compact fixture (regenerating from itself)"
        else:
            raise SystemExit(f"{path}: sha256 {digest} is not the paper grid's "
                             f"{FULL_GRID_SHA256[g]}")
        grids[g] = compact_rows(g, path)
        text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for r in grids[g])
        put(args.out / "paper_grids" / f"{g}.jsonl", text, args.check, counts)
        print(f"  {g}: {len(grids[g])} rows ({origin})")

    fixtures = {key: variant_fixture(grid_of(key), v, grids[grid_of(key)])
                for key, v in datasets.items()}
    put(args.out / "paper_prompts.json",
        json.dumps(fixtures, indent=2, ensure_ascii=False) + "\n", args.check, counts)
    print(f"paper_prompts.json: {len(fixtures)} variants, "
          f"{sum(len(grids[f['grid']]) for f in fixtures.values())} prompts hashed")

    # Cross-check: the task files rendered independently of the paper's description column.
    ok, missing, bad = 0, [], []
    for key, fx in fixtures.items():
        tpath = args.tasks / f"{key}.json"
        if not tpath.exists():
            missing.append(key)
            continue
        task = json.loads(tpath.read_text(encoding="utf-8"))
        errs = taskfmt.validate(task)
        if errs or not task_matches(task, grids[fx["grid"]], fx):
            bad.append(key)
        else:
            ok += 1
    print(f"task files rendered from their features reproduce the paper's prompts and "
          f"follow-ups: {ok}/{len(fixtures)}"
          + (f"; missing {len(missing)} (run convert_paper_tasks.py)" if missing else "")
          + (f"; MISMATCH {bad}" if bad else ""))
    print(f"files: {counts['written']} written, {counts['unchanged']} unchanged"
          + (f", {counts['stale']} out of date" if args.check else ""))
    return 1 if bad or counts["stale"] else 0


if __name__ == "__main__":
    sys.exit(main())
