"""Modular arithmetic with a softmax classifier over one-hot operand pairs (a tiny stand-in)."""
import argparse
import json
import os

import numpy as np

MODULUS = 7
LEARNING_RATE = 0.5
NUM_STEPS = 60
TRAIN_FRACTION = 0.5


def dataset(op):
    pairs = [(a, b) for a in range(MODULUS) for b in range(MODULUS)]
    x = np.zeros((len(pairs), 2 * MODULUS))
    for i, (a, b) in enumerate(pairs):
        x[i, a] = x[i, MODULUS + b] = 1.0
    y = np.array([op(a, b) % MODULUS for a, b in pairs])
    return x, y


def train(op, seed):
    rng = np.random.default_rng(seed)
    x, y = dataset(op)
    order = rng.permutation(len(y))
    cut = int(TRAIN_FRACTION * len(y))
    tr, va = order[:cut], order[cut:]
    w = np.zeros((x.shape[1], MODULUS))
    curve = []
    for _ in range(NUM_STEPS):
        logits = x[tr] @ w
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(len(tr)), y[tr]] -= 1
        w -= LEARNING_RATE * x[tr].T @ p / len(tr)
        curve.append(float(np.mean((x[va] @ w).argmax(1) == y[va])))
    train_acc = float(np.mean((x[tr] @ w).argmax(1) == y[tr]))
    return {"final_train_acc": train_acc, "final_val_acc": curve[-1]}, curve


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out_dir", type=str, default="run_0")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    final_info, all_results = {}, {}
    for name, op in {"x_plus_y": lambda a, b: a + b, "x_minus_y": lambda a, b: a - b}.items():
        runs = [train(op, seed) for seed in range(2)]
        metrics = {k: [r[0][k] for r in runs] for k in runs[0][0]}
        final_info[name] = {"means": {k: float(np.mean(v)) for k, v in metrics.items()}}
        all_results[name] = [r[1] for r in runs]
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f)
    np.save(os.path.join(args.out_dir, "all_results.npy"), all_results)
