#!/usr/bin/env python3
"""Writes tasks/text/reviews.jsonl: 200 synthetic film reviews whose label follows a documented rule.

Rule (also in tasks/text/reviews.json "rule"): a review is "positive" when it holds more words of
POSITIVE than of NEGATIVE (whole words, case-insensitive), otherwise "negative". Every review has
1-4 sentiment words, so a rule model flips it by exchanging a few of them. Deterministic (seed 7);
written here, no third-party text.
"""
import json
import random
import sys

POSITIVE = ["great", "good", "excellent", "wonderful", "enjoyable", "brilliant"]
NEGATIVE = ["bad", "boring", "awful", "dull", "terrible", "weak"]
SUBJECTS = ["The plot", "The acting", "The music", "The ending", "The dialogue", "The camera work", "The pacing"]
FILLERS = ["I watched it on a rainy Sunday.", "It runs just under two hours.", "My friend chose it.",
           "The cinema was half empty.", "It is based on a novel.", "We saw the late show."]


def review(rng):
    n = rng.randint(1, 4)
    sentences = []
    for _ in range(n):
        word = rng.choice(POSITIVE if rng.random() < 0.5 else NEGATIVE)
        sentences.append(f"{rng.choice(SUBJECTS)} was {word}.")
    sentences.insert(rng.randint(0, len(sentences)), rng.choice(FILLERS))
    return " ".join(sentences)


def label(text):
    words = [w.strip(".,!?").lower() for w in text.split()]
    pos = sum(w in POSITIVE for w in words)
    neg = sum(w in NEGATIVE for w in words)
    return "positive" if pos > neg else "negative"


def main(out="tasks/text/reviews.jsonl", n=200):
    rng = random.Random(7)
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            text = review(rng)
            f.write(json.dumps({"id": f"r{i:03d}", "text": text, "label": label(text)}) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
