"""The fake model's answers for the drafting tests: a topic file, and drafts of its template
(tiny pure-Python experiments, a smoke run well under a second) that work, crash, reach for the
network, or sleep a moment first."""

from __future__ import annotations

import json
from pathlib import Path

TOPIC = """# Noise in a toy estimate

Keywords: noise, toy

## Summary
A mean of absolute Gaussian draws, generated at the start of each run.

## Question
How does the error grow with the noise level?

## Metric
- name: err
- direction: min
- dataset: toy

## Budget
- smoke: 10 s
- cpu: 1 min

## Data
generated
"""
NAME = "noise_in_a_toy_estimate"  # the folder name the title gives
NO_NETWORK = "The sandbox has no network"  # in the debug prompt after a network attempt

EXPERIMENT = """import argparse, json, os, random, time

NOISE = 0.5  # knob: standard deviation of the draws
SCALES = {"smoke": {"n": 50, "seeds": 1}, "cpu": {"n": 5000, "seeds": 3}}

p = argparse.ArgumentParser()
p.add_argument("--out_dir", default="run_0")
args = p.parse_args()
os.makedirs(args.out_dir, exist_ok=True)
cfg = SCALES[os.environ.get("AISCI_SCALE", "cpu")]
seeds = [int(os.environ["AISCI_SEED"])] if os.environ.get("AISCI_SEED") else range(cfg["seeds"])
BEFORE
errs = []
for seed in seeds:
    rng = random.Random(seed)
    errs.append(sum(abs(rng.gauss(0, NOISE)) for _ in range(cfg["n"])) / cfg["n"])
info = {"toy": {"means": {"err": sum(errs) / len(errs)}}}
with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
    json.dump(info, f)
"""
PLOT = """import json, os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

labels = {"run_0": "Baseline"}
values = []
for run in labels:
    with open(os.path.join(run, "final_info.json")) as f:
        values.append(json.load(f)["toy"]["means"]["err"])
plt.bar(list(labels.values()), values)
plt.savefig("err.png")
"""
CRASH = 'raise ValueError("the draws went wrong: boom")'
NETWORK = 'import urllib.request\nurllib.request.urlopen("http://data.example.org/noise.csv")'
MARKER = "slow_draft_started"
SLOW = f'open(os.path.join(args.out_dir, "{MARKER}"), "w").close(); time.sleep(1.5)'
IDEAS = [
    {
        "Name": "baseline",
        "Title": "The toy estimate as it is",
        "Experiment": "Run it and report err.",
        "Interestingness": 2,
        "Feasibility": 10,
        "Novelty": 1,
    },
    {
        "Name": "more_draws",
        "Title": "More draws per estimate",
        "Experiment": "Double n and compare err.",
        "Interestingness": 3,
        "Feasibility": 10,
        "Novelty": 2,
    },
]


def experiment(before: str = "") -> str:
    return EXPERIMENT.replace("BEFORE", before)


def draft(before: str = "", *, debug: bool = False) -> str:
    """An answer of the model: the files (and, for a draft, the task and the seed ideas)."""
    answer = {"experiment_py": experiment(before), "plot_py": PLOT}
    if not debug:
        answer["task_description"] = (
            "experiment.py averages absolute Gaussian draws and reports err (data set toy); "
            "ideas may change NOISE or the number of draws."
        )
        answer["seed_ideas"] = IDEAS
    return json.dumps(answer)


def write_topic(folder: Path) -> Path:
    path = folder / "topic.md"
    path.write_text(TOPIC, encoding="utf-8")
    return path
