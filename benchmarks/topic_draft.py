"""Calls, prompt tokens and wall time from the example topic to a runnable template.

Runs ``aisci template draft`` (a real subprocess, the real sandbox) on aisci's example topic
(``aisci/topic/example.md``: label noise and a small MLP on two moons) against a scripted fake
OpenAI-compatible server on 127.0.0.1, in two cases: the first draft runs; the first draft
crashes and one debug step fixes it. Prompt tokens are counted with gpt-4o's tokenizer over
every message sent. The fake answers at once, so the wall time is aisci's own: its start, the
check, the smoke run and the figure, never a model's thinking time.

    .venv/bin/python benchmarks/topic_draft.py

A few seconds a case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "server"), str(REPO)]

from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

from aisci.llm import count_tokens  # noqa: E402
from aisci.topic.spec import EXAMPLE, load_topic  # noqa: E402

EXPERIMENT = """import argparse, json, os
import numpy as np

FLIP = 0.2  # knob: fraction of training labels flipped
HIDDEN = 16  # knob: hidden units
LEARNING_RATE = 0.5  # knob: step size
SCALES = {"smoke": {"n": 200, "steps": 200, "seeds": 1}, "cpu": {"n": 2000, "steps": 3000,
          "seeds": 3}, "full": {"n": 5000, "steps": 20000, "seeds": 5}}


def moons(rng, n):
    t = rng.uniform(0, np.pi, n)
    y = rng.integers(0, 2, n)
    x = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return x + 0.1 * rng.normal(size=x.shape), y


def run(seed, cfg):
    rng = np.random.default_rng(seed)
    x, y = moons(rng, cfg["n"])
    xv, yv = moons(rng, cfg["n"])
    y = np.where(rng.random(len(y)) < FLIP, 1 - y, y)
    w1, w2 = rng.normal(size=(2, HIDDEN)), rng.normal(size=HIDDEN) / HIDDEN
    for _ in range(cfg["steps"]):
        h = np.tanh(x @ w1)
        p = 1 / (1 + np.exp(-(h @ w2)))
        g = (p - y) / len(y)
        w1 -= LEARNING_RATE * x.T @ (np.outer(g, w2) * (1 - h**2))
        w2 -= LEARNING_RATE * h.T @ g
    return float(np.mean(((np.tanh(xv @ w1) @ w2) > 0) == yv))


p = argparse.ArgumentParser()
p.add_argument("--out_dir", default="run_0")
args = p.parse_args()
os.makedirs(args.out_dir, exist_ok=True)
cfg = SCALES[os.environ.get("AISCI_SCALE", "cpu")]
seeds = [int(os.environ["AISCI_SEED"])] if os.environ.get("AISCI_SEED") else range(cfg["seeds"])
BREAK
accs = [run(s, cfg) for s in seeds]
with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
    json.dump({"two_moons": {"means": {"val_acc": float(np.mean(accs))}}}, f)
"""
PLOT = """import json, os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

labels = {"run_0": "Baseline"}
accs = [json.load(open(os.path.join(r, "final_info.json")))["two_moons"]["means"]["val_acc"]
        for r in labels]
plt.bar(list(labels.values()), accs)
plt.ylabel("validation accuracy")
plt.savefig("val_acc.png")
"""
IDEA = {"Interestingness": 5, "Feasibility": 9, "Novelty": 3}


def answer(broken: bool, debug: bool = False) -> str:
    files = {
        "experiment_py": EXPERIMENT.replace(
            "BREAK", "raise RuntimeError('shapes do not match')" if broken else ""
        ),
        "plot_py": PLOT,
    }
    if not debug:
        files["task_description"] = "A numpy MLP on two moons with flipped training labels."
        files["seed_ideas"] = [
            {"Name": "baseline", "Title": "As written", "Experiment": "Run it.", **IDEA},
            {"Name": "weight_decay", "Title": "Weight decay", "Experiment": "Add it.", **IDEA},
        ]
    return json.dumps(files)


def case(name: str, replies: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(replies) as fake:
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-fake",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_OFFLINE_MODE": "true",
            "AISCI_CACHE_DIR": str(Path(tmp) / "cache"),
        }
        argv = [sys.executable, "-m", "aisci", "template", "draft", str(EXAMPLE)]
        argv += ["--model", "openai/fake-model", "--api-base", fake.base_url]
        argv += ["--dir", str(Path(tmp) / "templates")]
        started = time.monotonic()
        done = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True)
        wall = time.monotonic() - started
        if done.returncode != 0:
            sys.exit(f"{name}: the drafting failed:\n{done.stderr}")
        tokens = sum(
            count_tokens(str(m["content"]), "gpt-4o")
            for r in fake.chat_requests
            for m in r.body["messages"]
        )
        calls = len(fake.chat_requests)
    print(f"{name:<28} {calls:>5} {tokens:>13,} {wall:>8.1f} s")


def main() -> int:
    topic = load_topic(EXAMPLE)
    print(f"Example topic: {topic.title} (metric {topic.metric.label()})")
    print(f"{'case':<28} {'calls':>5} {'prompt tokens':>13} {'wall':>10}")
    case("first draft runs", [answer(False)])
    case("crash, then one debug step", [answer(True), answer(False, debug=True)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
