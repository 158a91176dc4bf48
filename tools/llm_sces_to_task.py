#!/usr/bin/env python3
"""Converts a dataset file in llm-sces' published layout into a sceval text task (docs/text.md).

Usage: llm_sces_to_task.py DATASET FILE.json OUT_DIR --options A B [--labels 0=A,1=B] [--name NAME]
DATASET is one of SST2, Twitter, NLI, GSM8K, Folktexts: which fields hold the text, the question
and the label, and which revision marker the dataset's prompts use. Writes OUT_DIR/NAME.json (the
task file) and OUT_DIR/NAME.jsonl (the items). Errors name the file and the record.
"""
import argparse
import json
import os
import sys

# dataset -> (text field, question field or None, revision marker, what the text is)
LAYOUTS = {
    "SST2": ("sentence", None, "REVISED REVIEW:", "review"),
    "Twitter": ("text", None, "REVISED POST:", "post"),
    "NLI": ("premise", "hypothesis", "REVISED HYPOTHESIS:", "premise"),
    "GSM8K": ("question", None, "REVISED PROBLEM:", "problem"),
    "Folktexts": ("description", "question", "REVISED DATA:", "description"),
}


def convert(dataset, path, out_dir, options, labels=None, name=None):
    if dataset not in LAYOUTS:
        raise SystemExit(f"{dataset}: unknown dataset (one of {', '.join(LAYOUTS)})")
    text_key, question_key, marker, what = LAYOUTS[dataset]
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    if not isinstance(records, list):
        raise SystemExit(f"{path}: expected a JSON list of records")
    name = name or dataset.lower()
    items = []
    for n, rec in enumerate(records):
        where = f"{path}: record {n}"
        if not isinstance(rec, dict) or not isinstance(rec.get(text_key), str):
            raise SystemExit(f"{where}: field \"{text_key}\" missing or not a string")
        item = {"id": str(rec.get("id", rec.get("idx", n))), "text": rec[text_key].strip()}
        if question_key and isinstance(rec.get(question_key), str):
            item["question"] = rec[question_key].strip()
        if "label" in rec and rec["label"] is not None:
            label = str(rec["label"])
            item["label"] = (labels or {}).get(label, label)
        items.append(item)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".jsonl"), "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    question = "\n{question}" if question_key else ""
    task = {
        "input": "text", "name": name, "title": f"{dataset} (converted from llm-sces' layout)",
        "items": name + ".jsonl", "options": options,
        "prompt": f"{what.capitalize()}: {{text}}{question}\n\nAnswer with one of: {{options}}. "
                  "End your reply with a line \"ANSWER: <label>\".",
        "counterfactual": f"Now revise the {what} as little as possible so that your answer would be "
                          f"\"{{target}}\". Give the revised {what} after \"{marker}\".",
        "revision_marker": marker,
    }
    with open(os.path.join(out_dir, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(task, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return len(items)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dataset")
    p.add_argument("file")
    p.add_argument("out_dir")
    p.add_argument("--options", nargs="+", required=True)
    p.add_argument("--labels", default="", help="label mapping, e.g. 0=negative,1=positive")
    p.add_argument("--name")
    a = p.parse_args(argv)
    labels = dict(kv.split("=", 1) for kv in a.labels.split(",") if kv)
    n = convert(a.dataset, a.file, a.out_dir, a.options, labels, a.name)
    print(f"{n} items -> {os.path.join(a.out_dir, (a.name or a.dataset.lower()) + '.json')}")


if __name__ == "__main__":
    sys.exit(main())
