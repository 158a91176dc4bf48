#!/usr/bin/env python3
"""Differential oracle: the paper's own parsing code against sceval's parse module.

The functions are lifted at run time out of HarryMayne/SCEs src/utils.py (a git checkout given by
--repo; nothing of the paper's code is stored here): parse_json_from_text (with its nested helpers),
extract_dict_answer, nothing_2_NA, _normalize, dict_keys_to_numbers and its lookup tables,
general_string2num. The two steps that are not functions — main.py's var_names_map loop and the
float() loops of income/house_prices/heart_disease_postprocessing — are transcribed below.

    paper_oracle.py --repo DIR replies.jsonl sceval.jsonl   # compare (see differential.sh)
    paper_oracle.py --repo DIR --show 'TEXT' [TASK]          # what the paper makes of one reply
"""
import argparse
import ast
import contextlib
import io
import json
import math
import os
import re
import subprocess
import sys
import typing

FUNCTIONS = {"parse_json_from_text", "nothing_2_NA", "extract_dict_answer", "_normalize",
             "dict_keys_to_numbers", "general_string2num"}
TABLES = {"education", "class_of_worker", "marital_status", "sex", "race", "_LOOKUPS_RAW", "_LOOKUPS_NORM"}


def load_paper(repo):
    src = subprocess.run(["git", "-C", repo, "show", "HEAD:src/utils.py"], check=True,
                         capture_output=True, text=True).stdout
    tree = ast.parse(src)
    nodes = []
    for n in tree.body:
        if isinstance(n, ast.FunctionDef) and n.name in FUNCTIONS:
            nodes.append(n)
        elif isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id in TABLES for t in n.targets):
            nodes.append(n)
        elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.target.id in TABLES:
            nodes.append(n)
    ns = {"re": re, "json": json, "ast": ast}
    ns.update({k: getattr(typing, k) for k in ("Any", "Dict", "Optional", "Tuple", "List", "Union")})
    exec(compile(ast.Module(body=nodes, type_ignores=[]), "utils.py", "exec"), ns)
    missing = (FUNCTIONS | TABLES) - set(ns)
    if missing:
        sys.exit(f"utils.py lacks {sorted(missing)}")
    return ns


# main.py's var_names_map and the feature columns each *_postprocessing reads.
VAR = {"age": "AGEP_CF", "class_of_worker": "COW_CF", "education": "SCHL_CF", "marital_status": "MAR_CF",
       "occupation": "OCCP_CF", "place_of_birth": "POBP_CF", "relationship_to_person": "RELP_CF",
       "hours_worked": "WKHP_CF", "sex": "SEX_CF", "race": "RAC1P_CF", "area": "area_CF",
       "bedrooms": "bedrooms_CF", "bathrooms": "bathrooms_CF", "floors": "floors_CF",
       "systolic_bp": "systolic_bp_CF", "total_cholesterol": "total_cholesterol_CF"}
FEATURES = {"income": ["AGEP", "SCHL"], "house_prices": ["area", "bedrooms", "bathrooms", "floors"],
            "heart_disease": ["AGEP", "SEX", "systolic_bp", "total_cholesterol"]}


class Crash(Exception):
    """Where the paper's pipeline raises instead of recording a value."""


def quiet(f, *a):
    with contextlib.redirect_stdout(io.StringIO()):
        return f(*a)


def paper_sce(P, text, task):
    """The counterfactual feature values the paper's postprocessing ends up with (None = dropped)."""
    fu_json = quiet(P["parse_json_from_text"], text)
    try:
        fu_numeric = P["dict_keys_to_numbers"](fu_json)
    except Exception as e:  # e.g. a list holding the string "education"
        raise Crash(repr(e))
    result = {}
    try:  # main.py
        for k, v in fu_numeric.items():
            result[VAR[k]] = v
    except Exception:
        pass
    result = json.loads(json.dumps(result))  # results are saved to and read from JSON
    if task == "income":  # income_postprocessing
        for variable in ["AGEP_CF", "SCHL_CF"]:
            try:
                result[variable] = P["general_string2num"](result[variable])
            except Exception:
                result[variable] = None
    for var in FEATURES[task]:
        key = f"{var}_CF"
        if key not in result or result[key] is None:
            result[key] = None
        else:
            try:
                result[key] = float(result[key])
            except ValueError:
                result[key] = None
            except Exception as e:  # TypeError: float() of a list/dict
                raise Crash(repr(e))
    out = []
    for var in FEATURES[task]:
        v = result[f"{var}_CF"]
        out.append(v if v is None or math.isfinite(v) else None)  # nan/inf never match a grid cell
    return out


def paper_answer(P, text):
    found = P["extract_dict_answer"](quiet(P["parse_json_from_text"], text))
    try:
        return P["nothing_2_NA"](found)
    except TypeError as e:  # len() of a number or boolean
        raise Crash(repr(e))


SURROGATE = re.compile("[\ud800-\udfff]")


def canon(v):
    """A comparable form: types kept, key order kept, non-finite floats and lone surrogates as
    sceval writes them (null, U+FFFD), integers beyond 64 bits as floats (sceval holds them as
    doubles)."""
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, int):
        if -2**63 <= v < 2**64:
            return ("i", v)
        return ("f", float(v)) if abs(v) < 2**1024 else ("null",)  # sceval: a double, inf written as null
    if isinstance(v, float):
        return ("f", v) if math.isfinite(v) else ("null",)
    if v is None:
        return ("null",)
    if isinstance(v, str):
        return ("s", SURROGATE.sub("\ufffd", v))
    if isinstance(v, list):
        return ("l", [canon(x) for x in v])
    if isinstance(v, dict):
        return ("d", [(SURROGATE.sub("\ufffd", k), canon(x)) for k, x in v.items()])
    return ("?", repr(v))


def compare(P, replies_path, sceval_path, show=20):
    replies = [json.loads(line) for line in open(replies_path, encoding="utf-8")]
    ours = [json.loads(line) for line in open(sceval_path, encoding="utf-8")]
    assert len(replies) == len(ours), "line counts differ"
    bad = {"json": 0, "answer": 0, "sce": 0}
    crashes = known = 0
    shown = 0
    big_int = re.compile(r"\d{20}")  # sceval holds integers beyond 64 bits as doubles (docs/parsing.md)

    def report(kind, text, py, cc):
        nonlocal shown, known
        if big_int.search(re.sub(r"[\x00-\x1f]", "", text)):  # regex_fixes drops control characters
            known += 1
            bad[kind.split("/")[0]] -= 1
            return
        if shown < show:
            print(f"{kind}: {text!r}\n   paper:  {py!r}\n   sceval: {cc!r}")
            shown += 1

    for rep, out in zip(replies, ours):
        text, task = rep["text"], rep["task"]
        j = quiet(P["parse_json_from_text"], text)
        if canon(j) != canon(out["json"]):
            bad["json"] += 1
            report("json", text, j, out["json"])
        try:
            a = paper_answer(P, text)
            if isinstance(a, str):
                ok = out["answer_is_string"] and out["answer"] == SURROGATE.sub("\ufffd", a)
            else:
                ok = not out["answer_is_string"] and canon(json.loads(out["answer"])) == canon(a)
        except Crash:
            ok = not out["answer_is_string"]
            a = "<crash>"
        if not ok:
            bad["answer"] += 1
            report("answer", text, a, (out["answer"], out["answer_is_string"]))
        try:
            s = paper_sce(P, text, task)
            if s != out["sce"]:
                bad["sce"] += 1
                report(f"sce/{task}", text, s, (out["sce"], out["status"], out["detail"]))
        except Crash:
            crashes += 1
    print(f"replies: {len(replies)}, mismatches: {bad}, replies on which the paper's pipeline raises: {crashes}, "
          f"known differences (integers beyond 64 bits): {known}")
    return sum(bad.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=os.environ.get("SCES_REPO"), required=not os.environ.get("SCES_REPO"),
                    help="a git checkout of github.com/HarryMayne/SCEs (default: $SCES_REPO)")
    ap.add_argument("--show", metavar="TEXT")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    P = load_paper(args.repo)
    if args.show is not None:
        task = args.files[0] if args.files else "income"
        print("parse_json_from_text:", repr(quiet(P["parse_json_from_text"], args.show)))
        for name, f in (("answer", lambda: paper_answer(P, args.show)), ("sce", lambda: paper_sce(P, args.show, task))):
            try:
                print(f"{name}:", repr(f()))
            except Crash as e:
                print(f"{name}: raises {e}")
        return 0
    return 1 if compare(P, *args.files) else 0


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    sys.exit(main())
