"""Figures for the 2D diffusion template; run with the idea folder as the working directory.

Reads `<run>/all_results.json` for every run folder named in `labels` that exists and writes:
- generated_images.png: generated points, one row per run (the first row shows held-out real
  points for reference), one column per data set;
- train_loss.png: the training loss (noise-prediction MSE) per data set, one line per run.
"""

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Run folder -> label shown in the figures. Add a line per run to compare it with the baseline.
labels = {
    "run_0": "Baseline",
}


def load_runs() -> dict:
    runs = {}
    for folder, label in labels.items():
        path = os.path.join(folder, "all_results.json")
        if os.path.exists(path):
            with open(path) as f:
                runs[label] = json.load(f)
    return runs


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Moving average that keeps the curve's length (edges use the points available)."""
    if width <= 1 or len(values) < width:
        return values
    kernel = np.ones(width)
    return np.convolve(values, kernel, "same") / np.convolve(np.ones(len(values)), kernel, "same")


def plot_samples(runs: dict) -> None:
    datasets = list(next(iter(runs.values())).keys())
    rows = [("Real data", {d: r["real"] for d, r in next(iter(runs.values())).items()})]
    rows += [(label, {d: r["samples"] for d, r in results.items()}) for label, results in runs.items()]
    fig, axes = plt.subplots(len(rows), len(datasets), squeeze=False,
                             figsize=(3 * len(datasets), 3 * len(rows)))
    for i, (label, points_by_dataset) in enumerate(rows):
        for j, dataset in enumerate(datasets):
            ax = axes[i][j]
            points = np.asarray(points_by_dataset.get(dataset, []), dtype=float).reshape(-1, 2)
            colour = "tab:grey" if i == 0 else "tab:blue"
            ax.scatter(points[:, 0], points[:, 1], s=1, alpha=0.5, color=colour, rasterized=True)
            ax.set_xlim(-3, 3)
            ax.set_ylim(-3, 3)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(dataset)
            if j == 0:
                ax.set_ylabel(label)
    fig.tight_layout()
    fig.savefig("generated_images.png", dpi=100)
    plt.close(fig)


def plot_train_loss(runs: dict) -> None:
    datasets = list(next(iter(runs.values())).keys())
    fig, axes = plt.subplots(1, len(datasets), squeeze=False, figsize=(4 * len(datasets), 3.2))
    for j, dataset in enumerate(datasets):
        ax = axes[0][j]
        for label, results in runs.items():
            if dataset not in results:
                continue
            curves = results[dataset]["train_loss"]
            length = min(len(c) for c in curves)
            if length == 0:
                continue
            mean = np.mean([c[:length] for c in curves], axis=0)  # mean over seeds
            every = results[dataset].get("train_loss_every", 1)
            steps = (np.arange(length) + 1) * every
            ax.plot(steps, smooth(mean, max(length // 25, 1)), label=label)
        ax.set_title(dataset)
        ax.set_xlabel("training step")
        if j == 0:
            ax.set_ylabel("noise-prediction MSE")
        ax.grid(alpha=0.3)
    axes[0][0].legend()
    fig.tight_layout()
    fig.savefig("train_loss.png", dpi=100)
    plt.close(fig)


def main() -> None:
    runs = load_runs()
    if not runs:
        print("plot.py: no run folder from `labels` holds all_results.json; nothing to plot.")
        return
    plot_samples(runs)
    plot_train_loss(runs)


if __name__ == "__main__":
    main()
