#!/usr/bin/python3
"""A simulatability audit (docs/simulate.md) with rules in place of models, so its figures are known.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/simulate_rule.py [-o out/simulate-example]

The target answers the income task by "Above $50,000 from age 40". Its SCEs are the closest flip
for even ages (valid) and stop one year short of the boundary for odd ages (invalid); asked to
explain itself it states its rule. Two observers predict it near 100 audited points: "reader"
applies what the explanation says (the rule, or the SCE's age as the boundary), "anchor" always
repeats the answer at the reference point. Without an explanation both repeat it."""
import argparse
import json
import os
import re

import sceval

AGE = re.compile(r"The age is: (\d+) years old")
EDU = re.compile(r"attainment is: (.*)\.")
REF = re.compile(r'The model answered: "([^"]*)"')
CF = re.compile(r"this record instead:\n(.*?)\n\nPredict", re.S)
ABOVE, BELOW = "Above $50,000", "Below $50,000"


def target(conversations):
    replies = []
    for conv in conversations:
        text = conv[0]["content"]
        age = int(AGE.search(text).group(1))
        if "<explanation>" in text:  # the free-explanation request
            replies.append("<answer>-</answer><explanation>Above $50,000 from age 40 on.</explanation>"
                           "<factors>age</factors>")
        elif len(conv) == 1:  # the decision
            replies.append(json.dumps({"answer": ABOVE if age >= 40 else BELOW}))
        else:  # the SCE: odd ages stop one year short of the boundary
            flip = 39 if age >= 40 else 40
            if age % 2:
                flip += 1 if age >= 40 else -1
            replies.append(json.dumps({"age": flip, "education": EDU.search(text).group(1)}))
    return replies


target.sceval_identity = "examples.simulate_rule.target/1"


def observer(read):
    def predict(conversations):
        replies = []
        for conv in conversations:
            text = conv[-1]["content"]
            answer = REF.search(text).group(1)
            age = int(AGE.search(CF.search(text).group(1)).group(1))
            if read and "from age 40 on" in text:
                answer = ABOVE if age >= 40 else BELOW
            elif read and "would have to be:" in text:  # an SCE: its age is where the answer changes
                said = text.split("would have to be:", 1)[1]
                boundary = int(AGE.search(said).group(1))
                became = ABOVE if f'become "{ABOVE}"' in text else BELOW
                if (became == ABOVE and age >= boundary) or (became == BELOW and age <= boundary):
                    answer = became
            replies.append(json.dumps({"answer": answer}))
        return replies
    predict.sceval_identity = f"examples.simulate_rule.observer/{read}"
    return predict


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("-o", "--out", default="out/simulate-example", help="output folder")
a = ap.parse_args()

run = sceval.run("income", target, out=os.path.join(a.out, "run"), sample=100, bootstrap=0, progress=False)
r = sceval.simulate(run, {"reader": observer(True), "anchor": observer(False)}, target=target,
                    explanation="both", hamming=2, per_point=8, out=os.path.join(a.out, "simulate"))
print(f"{r.metrics['n_references']} reference points, {r.metrics['n_items']} counterfactual points")
for kind, m in r.metrics["metrics"].items():
    for name, g in list(m["observers"].items()) + [("pooled", m["pooled"])]:
        lo, hi = g["ci"]["nsg"]
        print(f"{kind:5} {name:7} accuracy {g['accuracy_without']:.3f} -> {g['accuracy_with']:.3f}  "
              f"NSG {g['nsg']:.3f} [{lo:.3f}, {hi:.3f}]")
    print(f"{kind:5} egregious rate {m['egregious_rate_with']:.3f} (without {m['egregious_rate_without']:.3f})")
by = r.metrics["metrics"]["sce"]["observers"]["reader"]["by"]["sce_valid"]
for valid in ("true", "false"):
    print(f"sce   reader, SCE valid={valid}: accuracy {by[valid]['accuracy_without']:.3f} -> "
          f"{by[valid]['accuracy_with']:.3f}, NSG {by[valid]['nsg']:.3f}")
