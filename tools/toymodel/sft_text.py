"""SFT JSONL ({"messages": [...]}, `sceval export-training --format sft`) -> llama-finetune training text,
each conversation rendered with the toy model's chat template (finalize_gguf.py): user turns verbatim
(later ones after a newline), assistant turns after one space. Records are shuffled (seeded) and joined
by "\\n\\n " as toytask.py does, so every record starts with the token a prompt starts with.

usage: sft_text.py IN.jsonl OUT.txt [--seed 0] [--copies 1]
"""
import argparse
import json
import random

SEP = "\n\n "


def render(messages):
    out = ""
    for n, m in enumerate(messages):
        if m["role"] == "user":
            out += ("\n" if n else "") + m["content"]
        elif m["role"] == "assistant":
            out += " " + m["content"]
        else:
            raise SystemExit(f"sft_text.py: the toy template drops {m['role']} messages; export without them")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--copies", type=int, default=1)
    a = ap.parse_args()
    with open(a.inp, encoding="utf-8") as f:
        rows = [render(json.loads(line)["messages"]) for line in f if line.strip()]
    rng = random.Random(a.seed)
    out = []
    for _ in range(a.copies):
        items = list(rows)
        rng.shuffle(items)
        out.extend(items)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(SEP.join(out) + "\n")
    print(f"sft_text.py: {len(out)} records, {sum(map(len, out))} characters -> {a.out}")


if __name__ == "__main__":
    main()
