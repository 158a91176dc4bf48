"""GRPO against sceval's verifier: the prompts of an audit, the exact reward of its decision map.

    sceval export-training out/demo --format prompts -o prompts.jsonl
    PYTHONPATH=build/python /usr/bin/python3 examples/python/grpo_reward.py out/demo prompts.jsonl MODEL

Needs TRL, datasets and a model TRL can train (pip; not available on the machine this project is
developed on, so this script is the wiring only: the reward and the prompt file are tested in
python/tests/test_reward.py). Without TRL it scores the run's own follow-up replies instead, to
show what the reward returns.
"""
import json
import sys

import sceval


def main():
    run_dir, prompts = sys.argv[1], sys.argv[2]
    reward = sceval.reward(run_dir)  # weights: valid 1, exact_match 0.5, closeness 0.5, parse_failure -1
    try:
        from datasets import load_dataset
        from trl import GRPOConfig, GRPOTrainer
    except ImportError:
        rows = [json.loads(line) for line in open(prompts)]
        replies = {(s["index"], s["target"]): s["response"] for s in sceval.load_run(run_dir).samples
                   if s["stage"] == "followup"}
        for row in rows[:5]:
            reply = replies.get((row["point_index"], row["target"]), "")
            print(row["point_index"], row["target"], reward.score(reply, row["point_index"], row["target"]))
        print("(TRL is not installed: the rows above are the run's own replies scored by the reward)")
        return
    model = sys.argv[3]
    dataset = load_dataset("json", data_files=prompts, split="train")
    trainer = GRPOTrainer(model=model, reward_funcs=reward, train_dataset=dataset,
                          args=GRPOConfig(output_dir="grpo-out", num_generations=4))
    trainer.train()


if __name__ == "__main__":
    main()
