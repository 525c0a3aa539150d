"""An SEIR epidemic integrated with Euler steps (a tiny stand-in; no learning)."""
import argparse
import json
import os

import numpy as np

BETA = 0.4  # contacts that transmit, per day
SIGMA = 0.2  # 1 / incubation days
GAMMA = 0.1  # 1 / infectious days
DAYS = 160


def simulate(beta, sigma, gamma, days):
    s, e, i, r = 0.99, 0.0, 0.01, 0.0
    history = []
    for _ in range(days):
        new_e, new_i, new_r = beta * s * i, sigma * e, gamma * i
        s, e, i, r = s - new_e, e + new_e - new_i, i + new_i - new_r, r + new_r
        history.append([s, e, i, r])
    return np.array(history)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out_dir", type=str, default="run_0")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    history = simulate(BETA, SIGMA, GAMMA, DAYS)
    info = {"seir": {"means": {"peak_infected": float(history[:, 2].max()),
                               "peak_day": int(history[:, 2].argmax()),
                               "total_infected": float(history[-1, 3])}}}
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(info, f)
    np.save(os.path.join(args.out_dir, "all_results.npy"), {"seir": history.tolist()})
