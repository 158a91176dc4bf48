"""A small, independent Python reading of docs/task-format.md (standard library only).

Used by convert_paper_tasks.py and make_fixtures.py to check task files and to render the grid
descriptions and prompts without going through sceval's C++ code:

* validate(task)              -> list of error strings (empty when the task is well-formed)
* axis(feature)               -> the feature's values in grid order, as (code, text) pairs
* grid_size(task)             -> number of grid points
* point(task, index)          -> the (code, text) of every feature at mixed-radix grid index
* index_of(task, codes)       -> grid index of a tuple of numeric codes (None if off-grid)
* render_description(task, p) -> the description text of a point
* render_prompt(task, desc), render_followup(task, complement) -> Python str.format, as the paper
"""

import string

SUPPORTED_VERSION = 1
TOP_KEYS = {
    "sceval_task", "name", "title", "source", "notes", "features", "options", "answer_key",
    "description_format", "prompt", "followup", "system_prompt", "distance",
}
REQUIRED_TOP = ("sceval_task", "name", "features", "options", "answer_key", "prompt", "followup")
FEATURE_KEYS = {
    "name", "key", "type", "start", "stop", "step", "levels", "description", "weight",
    "number_parse", "grade_fallback",
}
DISTANCES = ("gower", "l1_mad", "l2_std")
NUMBER_PARSE = ("float", "first_integer")


def template_fields(template):
    """The replacement fields of a str.format template as (name, format_spec, conversion).

    Raises ValueError for malformed braces (a lone '{' or '}'), exactly like str.format would.
    """
    return [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template)
            if f is not None]


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _check_template(errors, where, template, allowed):
    if not isinstance(template, str):
        errors.append(f"{where}: must be a string")
        return
    try:
        fields = template_fields(template)
    except ValueError as e:
        errors.append(f"{where}: malformed braces ({e})")
        return
    for name, spec, conv in fields:
        if name != allowed or spec or conv:
            errors.append(f"{where}: unexpected field {{{name}{'!' + conv if conv else ''}"
                          f"{':' + spec if spec else ''}}} (only {{{allowed}}} is allowed)")


def validate(task):
    """Structural checks that follow docs/task-format.md. Returns a list of problems."""
    errors = []
    if not isinstance(task, dict):
        return ["task: not a JSON object"]
    for k in REQUIRED_TOP:
        if k not in task:
            errors.append(f"missing required field '{k}'")
    for k in task:
        if k not in TOP_KEYS:
            errors.append(f"unknown field '{k}'")
    if task.get("sceval_task") != SUPPORTED_VERSION:
        errors.append(f"sceval_task must be {SUPPORTED_VERSION}")
    if not isinstance(task.get("name"), str) or not task.get("name"):
        errors.append("name: non-empty string required")
    for k in ("title",):
        if k in task and not isinstance(task[k], str):
            errors.append(f"{k}: must be a string")
    if "notes" in task and not (isinstance(task["notes"], list)
                                and all(isinstance(n, str) for n in task["notes"])):
        errors.append("notes: must be a list of strings")
    if "source" in task and not isinstance(task["source"], dict):
        errors.append("source: must be an object")

    options = task.get("options")
    if not (isinstance(options, list) and len(options) >= 2
            and all(isinstance(o, str) and o for o in options)):
        errors.append("options: a list of >= 2 non-empty strings required")
    elif len(set(options)) != len(options):
        errors.append("options: duplicates")
    if not isinstance(task.get("answer_key"), str) or not task.get("answer_key"):
        errors.append("answer_key: non-empty string required")

    df = task.get("description_format", {})
    if not isinstance(df, dict) or set(df) - {"prefix", "separator"} or \
            not all(isinstance(v, str) for v in df.values()):
        errors.append("description_format: object with string 'prefix'/'separator' only")

    _check_template(errors, "prompt", task.get("prompt"), "description")
    _check_template(errors, "followup", task.get("followup"), "complement")
    if "system_prompt" in task and task["system_prompt"] is not None and \
            not isinstance(task["system_prompt"], str):
        errors.append("system_prompt: string or null")
    if "distance" in task and task["distance"] not in DISTANCES:
        errors.append(f"distance: one of {DISTANCES}")

    feats = task.get("features")
    if not isinstance(feats, list) or not feats:
        errors.append("features: non-empty list required")
        return errors
    names, keys = set(), set()
    for i, f in enumerate(feats):
        w = f"features[{i}]"
        if not isinstance(f, dict):
            errors.append(f"{w}: not an object")
            continue
        for k in f:
            if k not in FEATURE_KEYS:
                errors.append(f"{w}: unknown field '{k}'")
        for k in ("name", "key", "type", "description"):
            if not isinstance(f.get(k), str) or not f.get(k):
                errors.append(f"{w}.{k}: non-empty string required")
        if f.get("name") in names:
            errors.append(f"{w}: duplicate name {f.get('name')!r}")
        if f.get("key") in keys:
            errors.append(f"{w}: duplicate key {f.get('key')!r}")
        names.add(f.get("name"))
        keys.add(f.get("key"))
        _check_template(errors, f"{w}.description", f.get("description"), "value")
        if "weight" in f and not (isinstance(f["weight"], (int, float))
                                  and not isinstance(f["weight"], bool) and f["weight"] >= 0):
            errors.append(f"{w}.weight: non-negative number")
        t = f.get("type")
        if t == "integer":
            if not all(_is_int(f.get(k)) for k in ("start", "stop", "step")):
                errors.append(f"{w}: integer start/stop/step required")
            else:
                a, b, s = f["start"], f["stop"], f["step"]
                if s == 0 or (b - a) % s != 0 or (b - a) * s < 0:
                    errors.append(f"{w}: stop is not reachable from start in steps of step")
            if "levels" in f or "grade_fallback" in f:
                errors.append(f"{w}: levels/grade_fallback are not allowed for integer features")
            if f.get("number_parse", "float") not in NUMBER_PARSE:
                errors.append(f"{w}.number_parse: one of {NUMBER_PARSE}")
        elif t in ("ordinal", "categorical"):
            lv = f.get("levels")
            if not (isinstance(lv, list) and len(lv) >= 2 and all(
                    isinstance(x, dict) and set(x) == {"code", "text"} and _is_int(x["code"])
                    and isinstance(x["text"], str) and x["text"] for x in lv)):
                errors.append(f"{w}.levels: list of >= 2 {{code:int, text:str}} required")
            else:
                if len({x["code"] for x in lv}) != len(lv):
                    errors.append(f"{w}.levels: duplicate codes")
                if len({x["text"] for x in lv}) != len(lv):
                    errors.append(f"{w}.levels: duplicate texts")
            if any(k in f for k in ("start", "stop", "step", "number_parse")):
                errors.append(f"{w}: start/stop/step/number_parse are for integer features only")
            gf = f.get("grade_fallback")
            if gf is not None:
                if t != "ordinal":
                    errors.append(f"{w}: grade_fallback is for ordinal features only")
                elif not (isinstance(gf, dict) and set(gf) == {"min", "max", "offset"}
                          and all(_is_int(v) for v in gf.values()) and gf["min"] <= gf["max"]):
                    errors.append(f"{w}.grade_fallback: {{min, max, offset}} integers required")
        else:
            errors.append(f"{w}.type: integer, ordinal or categorical")
    return errors


def axis(feature):
    """The feature's values in grid order as (code, text) pairs."""
    if feature["type"] == "integer":
        a, b, s = feature["start"], feature["stop"], feature["step"]
        return [(v, str(v)) for v in range(a, b + (1 if s > 0 else -1), s)]
    return [(lv["code"], lv["text"]) for lv in feature["levels"]]


def grid_size(task):
    n = 1
    for f in task["features"]:
        n *= len(axis(f))
    return n


def point(task, index):
    """(code, text) of every feature at a grid index (first feature slowest)."""
    out = []
    for f in reversed(task["features"]):
        ax = axis(f)
        index, r = divmod(index, len(ax))
        out.append(ax[r])
    if index:
        raise IndexError("grid index out of range")
    return out[::-1]


def index_of(task, codes):
    """Grid index of a tuple of numeric codes (one per feature), or None if off-grid."""
    idx = 0
    for f, c in zip(task["features"], codes, strict=True):
        ax = [code for code, _ in axis(f)]
        if c not in ax:
            return None
        idx = idx * len(ax) + ax.index(c)
    return idx


def render_description(task, values):
    """Description of a point given as (code, text) pairs, per docs/task-format.md."""
    df = task.get("description_format", {})
    prefix, sep = df.get("prefix", "- "), df.get("separator", "\n")
    return sep.join(prefix + f["description"].format(value=text)
                    for f, (_, text) in zip(task["features"], values, strict=True))


def render_prompt(task, description):
    return task["prompt"].format(description=description)


def render_followup(task, complement):
    return task["followup"].format(complement=complement)
