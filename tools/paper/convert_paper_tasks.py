#!/usr/bin/env python3
"""Generate tasks/paper/<key>.json for every key of the paper's datasets.json (all 108 variants).

Source: tools/paper/datasets.json, a copy of src/models_datasets/datasets.json from
github.com/HarryMayne/SCEs at ac7f47e5ac139d4525a109b0b456f4099f9d1432 (MIT, Copyright (c) 2025
Harry Mayne). Standard library only; the output is deterministic (re-running rewrites nothing).

Checks run before anything is written (any failure aborts with exit status 1):
  * datasets.json is the paper's blob (git blob id) and every template is a valid str.format
    template with exactly the one field the paper fills ({description} / {complement});
  * every *_minimal_semantic variant is byte-identical to its *_minimal_l2 variant;
  * every generated task passes tools/paper/taskfmt.validate (docs/task-format.md);
  * every row of the paper's three grids is rendered from its feature values with taskfmt and
    compared byte for byte with the row's `description`, and the row order is checked against
    the task's mixed-radix grid order (id == grid index);
  * (if SCES_REPO names a git checkout of HarryMayne/SCEs) the education / sex level texts equal
    utils.py.

Usage: python3 tools/paper/convert_paper_tasks.py [--grids DIR] [--out DIR] [--check]
  --grids DIR  folder with income.jsonl, house_prices.jsonl, heart_disease.jsonl (the full
               grids dumped from the paper's data/<grid>/data-00000-of-00001.arrow; default: the
               compact fixtures in tests/data/paper_grids, which carry the same
               id/description/feature columns)
  --check      verify that the files on disk are up to date; write nothing
"""

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import taskfmt  # noqa: E402

PAPER_COMMIT = "ac7f47e5ac139d4525a109b0b456f4099f9d1432"
DATASETS_BLOB = "34f0367c61b15b99f8a6800d576ba9ea530a277f"  # src/models_datasets/datasets.json
ATTRIBUTION = ("Mayne et al., \"LLMs Don't Know Their Own Decision Boundaries\", EMNLP 2025; "
               f"github.com/HarryMayne/SCEs at {PAPER_COMMIT} "
               "(src/models_datasets/datasets.json), MIT License, Copyright (c) 2025 Harry Mayne")
DEFAULT_GRID_DIRS = [REPO / "tests" / "data" / "paper_grids"]
PAPER_MIRROR = Path(os.environ["SCES_REPO"]) if os.environ.get("SCES_REPO") else None
GRID_NAMES = ("income", "house_prices", "heart_disease")

# ACS SCHL codes 1..24 with the texts of utils.py's `education` dict (HarryMayne/SCEs@ac7f47e).
EDUCATION = [
    "N/A - no schooling completed",
    "Nursery school / preschool",
    "Kindergarten",
    "1st grade only",
    "2nd grade",
    "3rd grade",
    "4th grade",
    "5th grade",
    "6th grade",
    "7th grade",
    "8th grade",
    "9th grade",
    "10th grade",
    "11th grade",
    "12th grade, no diploma",
    "Regular high school diploma",
    "GED or alternative credential",
    "Some college, less than 1 year",
    "Some college, 1 or more years, no degree",
    "Associate's degree",
    "Bachelor's degree",
    "Master's degree",
    "Professional degree beyond a bachelor's degree",
    "Doctorate degree",
]


def integer(name, key, start, stop, step, description, number_parse):
    return {"name": name, "key": key, "type": "integer", "start": start, "stop": stop,
            "step": step, "description": description, "number_parse": number_parse}


GRIDS = {
    "income": {
        "label": "ACS income",
        "features": [
            integer("AGEP", "age", 17, 96, 1, "The age is: {value} years old.", "first_integer"),
            {"name": "SCHL", "key": "education", "type": "ordinal",
             "levels": [{"code": i + 1, "text": t} for i, t in enumerate(EDUCATION)],
             "description": "The highest educational attainment is: {value}.",
             "grade_fallback": {"min": 1, "max": 12, "offset": 3}},
        ],
        "notes": [
            "Grid (data/income, 1920 rows): AGEP 17..96 (slowest) x SCHL 1..24, id = "
            "24*(AGEP-17) + (SCHL-1). SCHL codes and texts are utils.py's `education` dict.",
            "Follow-up answers: the paper parses age with the first run of digits in the text "
            "(\"45.7\" -> 45, \"45 years\" -> 45) and maps unmatched education text containing a "
            "number n in 1..12 to code n+3 (\"grade n\", utils.dict_keys_to_numbers).",
        ],
    },
    "house_prices": {
        "label": "House prices",
        "features": [
            integer("area", "area", 500, 10000, 500,
                    "The size of the house (sq ft) is: {value}.", "float"),
            integer("bedrooms", "bedrooms", 1, 5, 1, "The number of bedrooms is: {value}.",
                    "float"),
            integer("bathrooms", "bathrooms", 1, 4, 1, "The number of bathrooms is: {value}.",
                    "float"),
            integer("floors", "floors", 1, 4, 1, "The number of floors is: {value}.", "float"),
        ],
        "notes": [
            "Grid (data/house_prices, 1600 rows): area 500..10000 step 500 (slowest), bedrooms "
            "1..5, bathrooms 1..4, floors 1..4.",
            "The options and the prompt use a $1,500,000 threshold; the grid's `choices` column "
            "says $400,000 but is never used by the paper's code (main.py uses datasets.json).",
            "The follow-up lists area as an '(ordinal)' list of strings '500'..'10000'; here it "
            "is the integer range with the same values. Follow-up answers are parsed with "
            "float() in the paper (\"45 years\" is dropped).",
        ],
    },
    "heart_disease": {
        "label": "Heart disease",
        "features": [
            integer("AGEP", "age", 30, 80, 5, "The age is: {value} years.", "float"),
            {"name": "SEX", "key": "sex", "type": "categorical",
             "levels": [{"code": 2, "text": "Female"}, {"code": 1, "text": "Male"}],
             "description": "The sex is: {value}."},
            integer("systolic_bp", "systolic_bp", 110, 180, 10,
                    "The systolic blood pressure (mmHg) is: {value}.", "float"),
            integer("total_cholesterol", "total_cholesterol", 150, 300, 15,
                    "The total cholesterol (mg/dL) is: {value}.", "float"),
        ],
        "notes": [
            "Grid (data/heart_disease, 1936 rows): AGEP 30..80 step 5 (slowest), SEX in the "
            "grid's order Female (code 2) then Male (code 1), systolic_bp 110..180 step 10, "
            "total_cholesterol 150..300 step 15.",
            "The grid's age line says \"The age is: N years.\"; utils.TEMPLATES['age'] (which the "
            "paper uses to describe follow-up answers) says \"years old.\". This task reproduces "
            "the grid, i.e. the turn-1 prompt text.",
            "The follow-up lists age, systolic_bp and total_cholesterol as '(ordinal)' lists of "
            "strings; here they are integer ranges with the same values. Follow-up answers are "
            "parsed with float() in the paper.",
        ],
    },
}

COMMON_NOTES = [
    "prompt, followup, options and answer_key are verbatim from the paper's datasets.json; both "
    "templates are Python str.format templates ({{ and }} are literal braces).",
    "system_prompt is null: the paper's Llama runs add \"\\n\\nYou are a helpful assistant."
    "\\n\\n\" as a model setting (models.json), not a task setting.",
]


def grid_of(key):
    for g in GRIDS:
        if key == g or key.startswith(g + "_"):
            return g
    raise SystemExit(f"cannot tell the grid of datasets.json key {key!r}")


def describe_variant(key, grid, v, by_key):
    """Title, distance and variant-specific notes of one datasets.json key."""
    label = GRIDS[grid]["label"]
    rest = key[len(grid):].lstrip("_")
    notes = []
    distance = "gower"
    if rest == "":
        title = f"{label}, unconstrained follow-up"
    elif rest == "minimal":
        title = f"{label}, minimal follow-up (Gower)"
    elif rest == "minimal_reasoning":
        title = f"{label}, minimal follow-up with a metacognitive procedure (Gower)"
        notes.append("Metacognitive-prompting variant: the follow-up asks the model to reason "
                     "through five candidate counterfactuals before answering, so the reply "
                     "contains text before the JSON.")
    elif rest == "minimal_l1":
        distance = "l1_mad"
        title = f"{label}, minimal follow-up (L1 / MAD)"
        notes.append("The follow-up defines minimality as L1 distance with each feature divided "
                     "by its median absolute deviation over the full grid.")
    elif rest == "minimal_l2":
        distance = "l2_std"
        title = f"{label}, minimal follow-up (squared L2 / SD)"
        notes.append("The follow-up defines minimality as squared L2 distance with each "
                     "feature's squared difference divided by its standard deviation (not the "
                     "variance) over the full grid.")
    elif rest == "minimal_semantic":
        distance = "l2_std"
        title = f"{label}, minimal follow-up ('semantic' run; prompts identical to _minimal_l2)"
        notes.append(f"Paper quirk: the prompt and follow-up of {key} are byte-identical to "
                     f"{grid}_minimal_l2 (checked by convert_paper_tasks.py), so the model is "
                     "asked for a squared-L2/SD-minimal revision. The paper scored its "
                     "'semantic' runs with a different distance: 1 - cosine similarity of "
                     "all-mpnet-base-v2 sentence embeddings of a text rendering of each grid row "
                     "(src/distance_matrices/distance_matrices.ipynb). sceval does not reproduce "
                     "text-embedding distances; this task uses l2_std, the distance its prompt "
                     "promises, so it is the same task as "
                     f"{grid}_minimal_l2 under another name.")
    elif rest.isdigit() and grid == "income":
        title = f"{label}, turn-1 prompt paraphrase {rest}, unconstrained follow-up"
        notes.append(f"Prompt-sensitivity variant: turn-1 prompt paraphrase {rest} of 50; the "
                     "follow-up is identical to `income`.")
    elif rest.isdigit() and grid == "house_prices":
        title = f"{label}, unconstrained follow-up paraphrase {rest}"
        notes.append(f"Prompt-sensitivity variant: follow-up paraphrase {rest} of 20 (0..19); "
                     "the turn-1 prompt is identical to `house_prices`.")
    elif rest.startswith("minimal_") and rest[8:].isdigit() and grid == "house_prices":
        title = f"{label}, minimal follow-up paraphrase {rest[8:]} (Gower)"
        notes.append(f"Prompt-sensitivity variant: minimal (Gower) follow-up paraphrase "
                     f"{rest[8:]} of 20 (0..19); the turn-1 prompt is identical to "
                     "`house_prices`.")
    else:
        raise SystemExit(f"unrecognised datasets.json key {key!r}")

    if grid == "heart_disease" and distance in ("l1_mad", "l2_std"):
        notes.append("The follow-up says a categorical field costs 0 or 1, but the paper's "
                     "L1/L2 code treats SEX as the number 1/2 (MAD 0.5 and SD 0.5, so a flip "
                     "costs 2.0).")

    # Facts found in the template text itself.
    prompt, followup = v["standard_prompt_template"], v["followup_template"]
    shown = [o for o in v["options"] if o in prompt]
    if len(shown) == len(v["options"]):
        order = sorted(v["options"], key=prompt.index)
        if order != v["options"]:
            notes.append("The turn-1 prompt lists the choices as "
                         f"{order!r}, the reverse of `options`; `options` keeps "
                         "datasets.json's order.")
    if not followup.endswith("\n"):
        notes.append("The follow-up has no trailing newline (as in datasets.json).")
    if not prompt.endswith("\n"):
        notes.append("The turn-1 prompt has no trailing newline (as in datasets.json).")
    for what, text in (("turn-1 prompt", prompt), ("follow-up", followup)):
        n = sum(1 for line in text.split("\n") if line != line.rstrip(" "))
        if n:
            notes.append(f"The {what} has {n} line(s) ending in a space (kept verbatim).")
        odd = sorted({c for c in text if ord(c) > 126})
        if odd:
            notes.append(f"The {what} contains non-ASCII characters: " + ", ".join(
                f"{c} (U+{ord(c):04X})" for c in odd) + ".")
    return title, distance, notes


def build_task(key, v, by_key):
    grid = grid_of(key)
    title, distance, variant_notes = describe_variant(key, grid, v, by_key)
    return {
        "sceval_task": 1,
        "name": key,
        "title": title,
        "source": {"paper_key": key, "paper_grid": grid, "attribution": ATTRIBUTION},
        "notes": COMMON_NOTES + GRIDS[grid]["notes"] + variant_notes,
        "features": GRIDS[grid]["features"],
        "options": v["options"],
        "answer_key": v["answer_key"],
        "description_format": {"prefix": "- ", "separator": "\n"},
        "prompt": v["standard_prompt_template"],
        "followup": v["followup_template"],
        "system_prompt": None,
        "distance": distance,
    }


def dump(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def check_datasets(raw, datasets, fail):
    if git_blob_id(raw) != DATASETS_BLOB:
        fail(f"datasets.json is not the paper's blob {DATASETS_BLOB}")
    for key, v in datasets.items():
        if v.get("input_key") != "description":
            fail(f"{key}: input_key {v.get('input_key')!r} (expected 'description')")
        for field, name in (("standard_prompt_template", "description"),
                            ("followup_template", "complement")):
            try:
                fields = taskfmt.template_fields(v[field])
            except ValueError as e:
                fail(f"{key}.{field}: malformed template ({e})")
                continue
            if fields != [(name, "", None)]:
                fail(f"{key}.{field}: fields {fields}, expected exactly one {{{name}}}")
    n_sem = 0
    for key in datasets:
        if key.endswith("_minimal_semantic"):
            l2 = key[: -len("semantic")] + "l2"
            a, b = datasets[key], datasets.get(l2)
            if b is None:
                fail(f"{key}: no {l2} to compare with")
                continue
            same = all(a[f] == b[f] for f in ("standard_prompt_template", "followup_template",
                                              "options", "answer_key"))
            if not same:
                fail(f"{key} differs from {l2}")
            else:
                n_sem += 1
    return n_sem


def read_grid(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def check_grid(task, rows, fail):
    """Render every grid row with taskfmt and compare with the paper's description."""
    if len(rows) != taskfmt.grid_size(task):
        fail(f"{task['name']}: grid has {len(rows)} rows, task grid {taskfmt.grid_size(task)}")
    matched = mismatched = 0
    for pos, row in enumerate(rows):
        codes = [row[f["name"]] for f in task["features"]]
        idx = taskfmt.index_of(task, codes)
        if idx is None or idx != row["id"] or idx != pos:
            fail(f"{task['name']}: row {pos} (id {row['id']}, values {codes}) is at grid "
                 f"index {idx}")
            continue
        desc = taskfmt.render_description(task, taskfmt.point(task, idx))
        if desc == row["description"]:
            matched += 1
            continue
        mismatched += 1
        if mismatched <= 5:  # report only the first few mismatches
            fail(f"{task['name']}: row {pos}: rendered {desc!r} != grid {row['description']!r}")
    return matched


def paper_utils_dicts():
    """education and sex dicts of src/utils.py in $SCES_REPO, or None if unavailable."""
    if PAPER_MIRROR is None or not PAPER_MIRROR.exists():
        return None
    try:
        src = subprocess.run(["git", "-C", str(PAPER_MIRROR), "show",
                              f"{PAPER_COMMIT}:src/utils.py"], check=True,
                             capture_output=True).stdout.decode("utf-8")
    except (OSError, subprocess.CalledProcessError):
        return None
    out = {}
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and node.targets[0].id in ("education",
                                                                                 "sex"):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=HERE / "datasets.json")
    ap.add_argument("--grids", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=REPO / "tasks" / "paper")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    problems = []
    fail = problems.append

    raw = args.datasets.read_bytes()
    datasets = json.loads(raw.decode("utf-8"))
    n_sem = check_datasets(raw, datasets, fail)
    print(f"datasets.json: {len(datasets)} variants; git blob "
          f"{'matches' if git_blob_id(raw) == DATASETS_BLOB else 'DIFFERS from'} {DATASETS_BLOB}")
    print(f"semantic == l2 (prompt, follow-up, options, answer_key byte-identical): "
          f"{n_sem}/{sum(k.endswith('_minimal_semantic') for k in datasets)}")

    utils = paper_utils_dicts()
    if utils is None:
        print("utils.py cross-check: skipped (set SCES_REPO to a checkout of HarryMayne/SCEs)")
    else:
        edu_ok = utils.get("education") == {t: i + 1 for i, t in enumerate(EDUCATION)}
        heart_sex = {lv["text"]: lv["code"] for lv in GRIDS["heart_disease"]["features"][1]["levels"]}
        sex_ok = utils.get("sex") == heart_sex
        print(f"utils.py cross-check: education {'ok' if edu_ok else 'MISMATCH'}, "
              f"sex {'ok' if sex_ok else 'MISMATCH'}")
        if not (edu_ok and sex_ok):
            fail("level texts differ from the paper's utils.py")

    tasks = {key: build_task(key, v, datasets) for key, v in datasets.items()}
    for key, task in tasks.items():
        for e in taskfmt.validate(task):
            fail(f"{key}: {e}")

    grid_dir = args.grids or next((d for d in DEFAULT_GRID_DIRS
                                   if all((d / f"{g}.jsonl").exists() for g in GRID_NAMES)), None)
    if grid_dir is None:
        fail("no grid folder found (pass --grids)")
    else:
        print(f"grids: {grid_dir}")
        total = total_rows = 0
        for g in GRID_NAMES:
            rows = read_grid(grid_dir / f"{g}.jsonl")
            matched = check_grid(tasks[g], rows, fail)
            total += matched
            total_rows += len(rows)
            print(f"  {g}: {matched}/{len(rows)} descriptions rendered byte for byte")
        print(f"  all grids: {total}/{total_rows} rows match")
        # Every variant of a grid has the same features; confirm that rather than re-render.
        for key, task in tasks.items():
            if task["features"] != tasks[task["source"]["paper_grid"]]["features"]:
                fail(f"{key}: features differ from its grid's base task")

    if problems:
        for p in problems:
            print("ERROR:", p, file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    written = unchanged = stale = 0
    for key, task in tasks.items():
        path = args.out / f"{key}.json"
        text = dump(task).encode("utf-8")
        if path.exists() and path.read_bytes() == text:
            unchanged += 1
            continue
        if args.check:
            stale += 1
            print(f"out of date: {path}", file=sys.stderr)
            continue
        tmp = path.with_suffix(".json.tmp")
        tmp.write_bytes(text)
        os.replace(tmp, path)
        written += 1
    extra = sorted(p.name for p in args.out.glob("*.json") if p.stem not in tasks)
    for name in extra:
        print(f"warning: {args.out / name} is not a datasets.json key", file=sys.stderr)
    print(f"tasks: {len(tasks)} variants -> {args.out} ({written} written, {unchanged} unchanged"
          + (f", {stale} out of date" if args.check else "") + ")")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
