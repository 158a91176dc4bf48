#!/usr/bin/env python3
"""Converts a dataset file in llm-sces' published layout into a sceval text task (docs/text.md).

Usage: llm_sces_to_task.py DATASET FILE.json OUT_DIR --options A B [--labels 0=A,1=B] [--name NAME]
       llm_sces_to_task.py DiscrimEval Scenarios.json OUT_DIR --questions Questions.json --options Yes No
DATASET is one of SST2, Twitter, NLI, GSM8K, Folktexts, DiscrimEval: which fields hold the text, the
question and the label, and which revision marker the dataset's prompts use. DiscrimEval comes as two
files: scenarios ({"filled_template", "id"}) and questions ({"id", "text"}), paired by position as
llm-sces pairs them (the i-th question asks about the i-th scenario). Writes OUT_DIR/NAME.json (the
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
    "DiscrimEval": ("filled_template", None, "REVISED SCENARIO:", "scenario"),  # questions: a second file
}


def read_list(path):
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    if not isinstance(records, list):
        raise SystemExit(f"{path}: expected a JSON list of records")
    return records


def discrim_questions(path, scenarios, scenario_path):
    """DiscrimEval's questions, one per scenario in the same order (llm-sces pairs them by position)."""
    questions = read_list(path)
    if len(questions) != len(scenarios):
        raise SystemExit(f"{path}: {len(questions)} questions for {len(scenarios)} scenarios in {scenario_path} "
                         "(DiscrimEval pairs them by position: the counts must match)")
    out = []
    for n, q in enumerate(questions):
        text = q.get("text") if isinstance(q, dict) else q
        if not isinstance(text, str):
            raise SystemExit(f"{path}: record {n}: field \"text\" missing or not a string")
        out.append(text.strip())
    return out


def convert(dataset, path, out_dir, options, labels=None, name=None, questions=None):
    if dataset not in LAYOUTS:
        raise SystemExit(f"{dataset}: unknown dataset (one of {', '.join(LAYOUTS)})")
    text_key, question_key, marker, what = LAYOUTS[dataset]
    records = read_list(path)
    if dataset == "DiscrimEval" and not questions:
        raise SystemExit("DiscrimEval: give its questions file with --questions Questions.json")
    if questions and dataset != "DiscrimEval":
        raise SystemExit(f"--questions: only DiscrimEval has a separate questions file, not {dataset}")
    asked = discrim_questions(questions, records, path) if questions else None
    name = name or dataset.lower()
    items = []
    for n, rec in enumerate(records):
        where = f"{path}: record {n}"
        if not isinstance(rec, dict) or not isinstance(rec.get(text_key), str):
            raise SystemExit(f"{where}: field \"{text_key}\" missing or not a string")
        item = {"id": str(rec.get("id", rec.get("idx", n))), "text": rec[text_key].strip()}
        if question_key and isinstance(rec.get(question_key), str):
            item["question"] = rec[question_key].strip()
        if asked:
            item["question"] = asked[n]
        if "label" in rec and rec["label"] is not None:
            label = str(rec["label"])
            item["label"] = (labels or {}).get(label, label)
        items.append(item)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".jsonl"), "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    question = "\n{question}" if question_key or asked else ""
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
    p.add_argument("--questions", help="DiscrimEval: the questions file (Questions.json)")
    a = p.parse_args(argv)
    labels = dict(kv.split("=", 1) for kv in a.labels.split(",") if kv)
    n = convert(a.dataset, a.file, a.out_dir, a.options, labels, a.name, a.questions)
    print(f"{n} items -> {os.path.join(a.out_dir, (a.name or a.dataset.lower()) + '.json')}")


if __name__ == "__main__":
    sys.exit(main())
