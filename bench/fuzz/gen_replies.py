#!/usr/bin/env python3
"""Generates model-like replies for the differential test: JSON-ish objects with the paper's keys
(in many spellings), values of every kind the parsers treat differently, code fences, prose, and
random insertions/deletions of the characters the repairs react to.

    gen_replies.py N [SEED] [heavy]   -> N JSON lines {"text": ..., "task": ...}
"""
import json
import random
import sys

KEYS = ["age", "education", "Age", " age ", "AGE", "answer", "Answer", " ANSWER", "reasoning", "revised", "sex", "area",
        "bedrooms", "bathrooms", "floors", "systolic_bp", "total_cholesterol", "Education", "note", "x"]
VALUES = [
    '"45"', '"45 years"', '"45.5"', "45", "45.0", "45.5", "\"Bachelor's degree\"", '"Bachelor\u2019s degree"',
    r"'Bachelor\'s degree'", '"grade 7"', '"7th grade"', '"Male"', '"female"', "true", "True", "null", "None",
    "[1, 2]", "(1, 2)", '{"answer": "Above $50,000"}', '"Above $50,000"', '"Below $50,000"', '"1,500"',
    '"\u0664\u0665"', '"4_5"', '"  50 "', '"NaN"', "NaN", "-Infinity", "1e400", '"1e3"', "'Kindergarten'",
    '"N/A - no schooling completed"', '"Some college, 1 or more years, no degree"', '"12"', '"16"', "7", '"seven"',
    '""', "[]", "{}", r'"a\"b"', '"http://x.com/a"', '"#5"', "`Male`", '"Female"', "110", '"150 mg/dL"', "2500",
    '"2,500"', "0x10", "1_000", "u'x'", r"r'\d'", '"""tri"""', "'a' 'b'", "-5", "+5", "- 5", r'"\u00e9"',
    r'"\ud83d\ude00"', r'"\ud800"', "[\"Bachelor's degree\"]", '{"level": "Kindergarten"}', "7.0", "1e16", "0.0001",
    "1e-05", '"grade 13"', '"13 years, grade 12"', '"\u0130"', '"\u212aindergarten"', r'"Kindergarten\n"',
    r'["a\nb"]', r'["\u0085"]', r'"\u00a0 Male \u00a0"', '"MALE"', '" male "', "False", '"0"', '"inf"', '"-1e3"',
    '"1_0"', "['x', 'y']", "{'a': 1, 1: 2, 1.0: 3, True: 4}", '"7"', '"grade 7 (middle school)"', "\"master's\"",
    '"1\u0662"', "45.7", '"45.7"', "-0.0", "1E5", ".5", "5.", "0o17", "0b101", '"""a\nb"""', r"'\x41'", r"'\101'",
    r"'\N{DASH}'", "set()", "{1, 2}", "b'x'", "f'x'", "1j", "[1,]", "(1,)", "()", '"a" "b"',
    '{"x": [1, {"y": (2, 3)}]}', "1__0", "01", "00", r'"\t"', "[[[[[1]]]]]", "{1: 'a', '1': 'b'}", "{(1,2): 3}",
    "{None: 1, False: 2, 0: 3}", "-True", "--1", "-(1)", "-(-1)", "'''x'''", "'a\\\nb'", "1if 1 else 2", "-1e400",
    "{1e400: 1}", r"'\ud83d\ude00'", r"'\ud83d' '\ude00'", r'"\u00"', r"'\x4'",
]
NOISE = ["{", "}", "[", "]", '"', "'", ",", ":", "\n", " ", "```", "```json\n", "\n```", "#", "//", "`", "\u201c",
         "\u201d", "\u2018", "\u2019", "\\", "\u00a0", "\t", "json", "True", "None", "null", "0", "7", "(", ")", "\u00e9",
         "\u2003", "\x00", "\r\n", "\\n", "a", " x: ", "{age: 4", ", 'k': 'v'", "\x85", "\u3000", "\u0663", "'''", '"""',
         "r", "b", "f", "\\\n", "j", ".", "-", "+", "_", "e", "0x", "*", "1", "${", "\x1f", "\ufeff", "\uff41", "\x0b",
         "\x0c", "\r", "\u2028"]


def main():
    n = int(sys.argv[1])
    R = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    mutations = [2, 5, 10, 20, 40] if len(sys.argv) > 3 else [0, 0, 0, 1, 1, 2, 3, 6]

    def key():
        k, style = R.choice(KEYS), R.random()
        if style < 0.7:
            return '"' + k + '"'
        if style < 0.85:
            return "'" + k + "'"
        return k if style < 0.95 else "\u201c" + k + "\u201d"

    def value(depth):
        return obj(depth + 1) if depth < 2 and R.random() < 0.15 else R.choice(VALUES)

    def obj(depth=0):
        items = [key() + R.choice([": ", ":", " : ", ":\n"]) + value(depth) for _ in range(R.randint(0, 4))]
        body = R.choice([", ", ",\n  ", ",", " ", "\n"]).join(items) + ("," if R.random() < 0.1 else "")
        o = "{" + R.choice(["", "\n  ", " "]) + body + R.choice(["", "\n", " "]) + "}"
        return o[:-1] if R.random() < 0.1 else o

    def reply():
        o = obj()
        if R.random() < 0.1:
            o = "[" + o + "]"
        r = R.random()
        if r < 0.2:
            o = "```json\n" + o + "\n```"
        elif r < 0.3:
            o = "```\n" + o + "\n```"
        elif r < 0.35:
            o = "```python\n" + o + "\n```"
        if R.random() < 0.3:
            o = R.choice(["Here is the revised data:\n", "Sure! ", "Candidate {1}: ", "Let me think. "]) + o
        if R.random() < 0.3:
            o += R.choice(["\nThis flips the decision.", " # done", '\n{"extra": 1}', " }", "\n```"])
        for _ in range(R.choice(mutations)):
            op = R.random()
            if op < 0.5 or not o:
                i = R.randint(0, len(o))
                o = o[:i] + R.choice(NOISE) + o[i:]
            elif op < 0.8:
                i = R.randrange(len(o))
                o = o[:i] + o[i + 1:]
            else:
                i = R.randrange(len(o))
                j, k = min(len(o), i + R.randint(1, 10)), R.randint(0, len(o))
                o = o[:k] + o[i:j] + o[k:]
        return o

    for _ in range(n):
        print(json.dumps({"text": reply(), "task": R.choice(["income", "house_prices", "heart_disease"])}))


if __name__ == "__main__":
    main()
