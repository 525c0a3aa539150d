"""A starter experiment: fit y = sin(2*pi*x) + noise with a polynomial, by gradient descent.

Replace the data, the model and the loop with your own study; keep the contract: run as
`python experiment.py --out_dir=run_i`, write run_i/final_info.json (run_i/progress.json: optional).
"""

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

# Knobs: module-level constants a sweep may change (see knobs.json).
LEARNING_RATE = 0.1  # knob: gradient-descent step size
DEGREE = 5  # knob: polynomial degree (model capacity)

SCALES = {  # AISCI_SCALE picks the size of the study; knobs stay the same at every scale
    "smoke": dict(steps=500, seeds=1),
    "cpu": dict(steps=5000, seeds=3),
    "full": dict(steps=20000, seeds=5),
}


@dataclass
class Config:
    steps: int
    seeds: int
    n_train: int = 64
    n_val: int = 256
    noise: float = 0.1
    learning_rate: float = LEARNING_RATE
    degree: int = DEGREE
    first_seed: int = 0  # AISCI_SEED, when aisci confirms a result over seeds
    out_dir: str = "run_0"  # --out_dir: where the results and the progress report go


def features(x: np.ndarray, degree: int) -> np.ndarray:
    return np.stack([x**k for k in range(degree + 1)], axis=1)


def report_progress(cfg: Config, step: int, metrics: dict) -> None:
    """How far the whole run is (optional in the contract, for the progress aisci shows):
    out_dir/progress.json, replaced whole so that no reader sees half of it."""
    tmp = os.path.join(cfg.out_dir, "progress.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"step": step, "total": cfg.seeds * cfg.steps, "metrics": metrics}, f)
    os.replace(tmp, os.path.join(cfg.out_dir, "progress.json"))


def run_seed(cfg: Config, seed: int) -> dict:
    rng = np.random.default_rng(cfg.first_seed + seed)
    x_train, x_val = rng.uniform(-1, 1, cfg.n_train), rng.uniform(-1, 1, cfg.n_val)
    y_train = np.sin(2 * np.pi * x_train) + cfg.noise * rng.normal(size=cfg.n_train)
    y_val = np.sin(2 * np.pi * x_val) + cfg.noise * rng.normal(size=cfg.n_val)
    a_train, a_val = features(x_train, cfg.degree), features(x_val, cfg.degree)
    w = np.zeros(cfg.degree + 1)
    curve = []
    for step in range(cfg.steps):
        grad = 2 * a_train.T @ (a_train @ w - y_train) / cfg.n_train
        w -= cfg.learning_rate * grad
        if step % max(1, cfg.steps // 50) == 0 or step == cfg.steps - 1:
            val = float(np.mean((a_val @ w - y_val) ** 2))
            curve.append({"step": step, "val_loss": val})
            report_progress(cfg, seed * cfg.steps + step + 1, {"val_loss": val})
    train = float(np.mean((a_train @ w - y_train) ** 2))
    return {"train_loss": train, "val_loss": curve[-1]["val_loss"], "curve": curve}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out_dir", type=str, default="run_0")
    args = parser.parse_args()
    scale = os.environ.get("AISCI_SCALE", "cpu")
    if scale not in SCALES:
        print(f"Unknown AISCI_SCALE={scale!r}: use one of {', '.join(SCALES)}.", file=sys.stderr)
        sys.exit(2)
    cfg = Config(**SCALES[scale])
    if os.environ.get("AISCI_SEED"):  # one run with this seed in place of the scale's seeds
        cfg = replace(cfg, seeds=1, first_seed=int(os.environ["AISCI_SEED"]))
    cfg = replace(cfg, out_dir=args.out_dir)
    os.makedirs(args.out_dir, exist_ok=True)
    start = time.time()
    runs = [run_seed(cfg, seed) for seed in range(cfg.seeds)]
    elapsed = time.time() - start
    metrics = {k: [r[k] for r in runs] for k in ("train_loss", "val_loss")}
    final_info = {
        "sine": {
            "means": {k: float(np.mean(v)) for k, v in metrics.items()} | {"train_time": elapsed},
            "stderrs": {k: float(np.std(v) / np.sqrt(len(v))) for k, v in metrics.items()},
            "final_info_dict": metrics,
        }
    }
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)
    with open(os.path.join(args.out_dir, "all_results.json"), "w") as f:
        json.dump({"sine": [r["curve"] for r in runs]}, f)
    print(f"val_loss {final_info['sine']['means']['val_loss']:.4f} in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
