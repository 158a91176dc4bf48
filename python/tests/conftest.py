"""Shared fixtures: the income task, a rule model that answers like a chat model, the CLI binary."""
import json
import os
import re
import shutil
import subprocess

import pytest

import sceval

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "examples", "income-rule")

BA = "Bachelor's degree"


@pytest.fixture(scope="session")
def income():
    return sceval.load_task("income")


def rule(age, edu_rank, ba_rank):
    """The rule the model follows: above $50,000 from 30 years with at least a bachelor's degree."""
    return "Above $50,000" if age >= 30 and edu_rank >= ba_rank else "Below $50,000"


class RuleModel:
    """A callable model: answers turn 1 by `rule`, and the follow-up by raising education to a
    bachelor's degree (Above: valid only from age 30) or lowering it just below one (Below)."""

    sceval_identity = "tests.RuleModel/1"

    def __init__(self, task):
        self.levels = task.features[1]["values"]
        self.ba = self.levels.index(BA)
        self.calls = 0      # callable invocations
        self.asked = 0      # conversations answered
        self.fail_after = None

    def parse(self, text):
        age = int(re.search(r"The age is: (\d+) years old", text).group(1))
        edu = re.search(r"The highest educational attainment is: (.*)\.\n", text).group(1)
        return age, self.levels.index(edu)

    def __call__(self, conversations):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt
        out = []
        for conv in conversations:
            age, edu = self.parse(conv[0]["content"])
            if len(conv) == 1:
                out.append(json.dumps({"answer": rule(age, edu, self.ba)}))
                continue
            target = re.search(r"would have been (.*)\.\n", conv[-1]["content"]).group(1)
            edu2 = max(edu, self.ba) if target.startswith("Above") else min(edu, self.ba - 1)
            out.append(json.dumps({"age": str(age), "education": self.levels[edu2]}))
        self.asked += len(conversations)
        return out


@pytest.fixture
def rule_model(income):
    return RuleModel(income)


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("SCEVAL_CLI") or shutil.which("sceval")
    if not path or not os.path.exists(path):
        pytest.skip("the sceval CLI binary (SCEVAL_CLI) is not built")
    return path


def run_cli(cli, *args):
    return subprocess.run([cli, *args], check=True, capture_output=True, text=True)
