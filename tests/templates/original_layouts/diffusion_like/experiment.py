"""Denoising 2D point clouds with a linear model fit by gradient descent (a tiny stand-in)."""
import argparse
import json
import os
import time

import numpy as np


def points(name, n, rng):
    t = rng.uniform(0, 2 * np.pi, n)
    if name == "circle":
        return np.stack([np.cos(t), np.sin(t)], 1)
    return np.stack([t / np.pi - 1, 0.5 * (t / np.pi - 1)], 1)


def run(name, args, rng):
    x = points(name, 256, rng)
    noisy = x + args.noise_scale * rng.normal(size=x.shape)
    w, b = np.eye(2), np.zeros(2)
    losses = []
    for _ in range(args.num_train_steps):
        err = noisy @ w + b - x
        w -= args.learning_rate * noisy.T @ err / len(x)
        b -= args.learning_rate * err.mean(0)
        losses.append(float(np.mean(err ** 2)))
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="toy denoiser")
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--learning_rate", type=float, default=0.1, help="gradient-descent step size")
    parser.add_argument("--num_train_steps", type=int, default=40)
    parser.add_argument("--noise_scale", type=float, default=0.3)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    final_info, all_results = {}, {}
    for name in ("circle", "line"):
        start = time.time()
        losses = run(name, args, rng)
        final_info[name] = {"means": {"eval_loss": losses[-1], "training_time": time.time() - start}}
        all_results[name] = losses
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f)
    np.save(os.path.join(args.out_dir, "all_results.npy"), all_results)
