#!/usr/bin/env python3
"""Validate task files against docs/task-format.md with the Python reader in taskfmt.py.

Usage: python3 tools/paper/check_tasks.py [--show] FILE.json...   (default: tasks/**/*.json)
  --show  also print the rendered turn-1 prompt of grid point 0 and the follow-up for the
          last option, exactly as Python's str.format produces them.
Exit status 1 if any file has a problem.
"""

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import taskfmt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    files = args.files or sorted((HERE.parent.parent / "tasks").rglob("*.json"))
    bad = 0
    for path in files:
        try:
            task = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            print(f"{path}: {e}")
            bad += 1
            continue
        errors = taskfmt.validate(task)
        if not errors and task["name"] != path.stem:
            errors.append(f"name {task['name']!r} differs from the file name")
        if errors:
            bad += 1
            for e in errors:
                print(f"{path}: {e}")
            continue
        print(f"{path}: ok ({taskfmt.grid_size(task)} grid points, "
              f"{len(task['options'])} options, distance {task.get('distance', 'gower')})")
        if args.show:
            desc = taskfmt.render_description(task, taskfmt.point(task, 0))
            print(taskfmt.render_prompt(task, desc))
            print("-" * 40)
            print(taskfmt.render_followup(task, task["options"][-1]))
    print(f"{len(files) - bad}/{len(files)} task files ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
