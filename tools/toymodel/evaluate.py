"""Greedy evaluation of the toy model on all 1,920 grid points, through a real llama-server.

usage: evaluate.py MODEL.gguf --server PATH/llama-server [--port 8091] [--out rows.jsonl] [--summary eval.json]

Each point is asked as sceval asks it: /v1/chat/completions with the model's own chat template,
turn 1 "age: A\\neducation: E\\nincome?", then turn 2 "flip?" after the model's turn-1 reply,
temperature 0, replies cut at the first newline (the model never emits EOS). The answers are
compared with the rule and the follow-up policy of toytask.py. Standard library only.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toytask as T  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chat(port, messages):
    body = {"messages": messages, "temperature": 0, "max_tokens": 48, "stop": ["\n"], "seed": 0}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())["choices"][0]["message"]["content"]


def parse(s):
    try:
        return json.loads(s)
    except ValueError:
        return None


def ask(port, age, edu):
    m1 = [{"role": "user", "content": T.prompt1(age, edu)}]
    a1 = chat(port, m1)
    j1 = parse(a1)
    ok1 = isinstance(j1, dict) and set(j1) == {"answer"} and j1["answer"] in ("above", "below")
    m2 = m1 + [{"role": "assistant", "content": a1}, {"role": "user", "content": T.FLIP.strip()}]
    a2 = chat(port, m2)
    j2 = parse(a2)
    ok2 = isinstance(j2, dict) and set(j2) == {"age", "education"} and all(type(v) is int for v in j2.values())
    pa, pe, policy_valid = T.sce_policy(age, edu)
    return {"age": age, "education": edu, "truth": T.label(age, edu), "reply1": a1,
            "pred": j1["answer"] if ok1 else None, "reply2": a2,
            "sce": [j2["age"], j2["education"]] if ok2 else None,
            "policy": [pa, pe], "policy_valid": policy_valid}


def summarize(rows, seconds, model):
    n = len(rows)
    wrong = [r for r in rows if r["pred"] != r["truth"]]
    follows = [r for r in rows if r["sce"] == r["policy"]]
    deviating = [r for r in rows if r["sce"] != r["policy"]]
    valid_half = [r for r in rows if r["policy_valid"]]
    return {
        "model": os.path.basename(model),
        "points": n,
        "seconds": round(seconds, 1),
        "turn1_wellformed": sum(r["pred"] is not None for r in rows) / n,
        "turn1_accuracy": (n - len(wrong)) / n,
        "turn1_wrong": [[r["age"], r["education"], r["pred"]] for r in wrong],
        "predicted_above": sum(r["pred"] == "above" for r in rows),
        "rule_above": sum(r["truth"] == "above" for r in rows),
        "turn2_wellformed": sum(r["sce"] is not None for r in rows) / n,
        "turn2_follows_policy": len(follows) / n,
        "turn2_follows_policy_even_ages": sum(r["sce"] == r["policy"] for r in valid_half) / len(valid_half),
        "turn2_follows_policy_odd_ages": sum(r["sce"] == r["policy"] for r in rows if not r["policy_valid"])
        / (n - len(valid_half)),
        "turn2_deviations": [[r["age"], r["education"], r["sce"], r["policy"]] for r in deviating],
    }


def print_map(rows):
    print("turn-1 map (rows: education 24..1, columns: age 17..96; # above, . below, x wrong, ? not parsed)")
    grid = {(r["age"], r["education"]): r for r in rows}
    for edu in reversed(T.EDUS):
        line = ""
        for age in T.AGES:
            r = grid[(age, edu)]
            line += "?" if r["pred"] is None else "x" if r["pred"] != r["truth"] else "#" if r["truth"] == "above" else "."
        print(f"{edu:2d} {line}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", help="per-point rows as JSONL")
    ap.add_argument("--summary", help="the summary as JSON")
    args = ap.parse_args()
    port = args.port or free_port()
    srv = subprocess.Popen([args.server, "-m", args.model, "-t", "1", "-c", "512", "-np", "1", "--host", "127.0.0.1",
                            "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                if srv.poll() is not None:
                    sys.exit(f"llama-server exited with status {srv.returncode}")
                time.sleep(0.2)
        t0 = time.time()
        rows = [ask(port, a, e) for a in T.AGES for e in T.EDUS]
        seconds = time.time() - t0
    finally:
        srv.terminate()
        srv.wait()
    summary = summarize(rows, seconds, args.model)
    short = {k: v for k, v in summary.items() if k not in ("turn1_wrong", "turn2_deviations")}
    short["turn1_wrong"] = len(summary["turn1_wrong"])
    short["turn2_deviations"] = len(summary["turn2_deviations"])
    print(json.dumps(short, indent=1))
    print_map(rows)
    if args.out:
        with open(args.out, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
