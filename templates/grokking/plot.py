"""Plots for the grokking template: run from the idea folder with no arguments.

Reads `<run>/all_results.json` of every run folder named in `labels` (missing ones are skipped)
and writes, into the current folder, one figure per data set and metric:
`train_acc_<dataset>.png`, `val_acc_<dataset>.png`, `train_loss_<dataset>.png`,
`val_loss_<dataset>.png` (one curve per run: the mean over seeds, shaded +- one standard error),
and `step_val_acc_99.png` (a bar per run and data set).
"""

import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Run folder -> legend label. Add a line for each new run to plot it.
labels = {
    "run_0": "Baseline",
}

METRICS = {
    "train_acc": "Training accuracy",
    "val_acc": "Validation accuracy",
    "train_loss": "Training loss",
    "val_loss": "Validation loss",
}


def load_runs() -> dict:
    runs = {}
    for folder in labels:
        path = os.path.join(folder, "all_results.json")
        if os.path.exists(path):
            with open(path) as f:
                runs[folder] = json.load(f)
    return runs


def mean_curve(seed_curves: list, metric: str) -> tuple:
    """Mean and standard error per step over the seeds that reached that step.

    Seeds can stop at different steps (the cpu scale stops once it has grokked), so each step
    averages only the seeds that have it.
    """
    by_step = {}
    for curve in seed_curves:
        for step, value in zip(curve["step"], curve[metric]):
            by_step.setdefault(step, []).append(value)
    steps = sorted(by_step)
    means, errs = [], []
    for step in steps:
        values = by_step[step]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
        means.append(mean)
        errs.append(math.sqrt(var / len(values)))
    return steps, means, errs


def plot_curves(runs: dict) -> None:
    datasets = sorted({ds for run in runs.values() for ds in run["curves"]})
    for dataset in datasets:
        for metric, title in METRICS.items():
            fig, ax = plt.subplots(figsize=(6, 4))
            for folder, run in runs.items():
                if dataset not in run["curves"]:
                    continue
                steps, means, errs = mean_curve(list(run["curves"][dataset].values()), metric)
                ax.plot(steps, means, label=labels[folder])
                ax.fill_between(steps, [m - e for m, e in zip(means, errs)],
                                [m + e for m, e in zip(means, errs)], alpha=0.2)
            if metric.endswith("loss"):
                ax.set_yscale("log")  # losses span orders of magnitude once the model memorises
            ax.set_xlabel("Update step")
            ax.set_ylabel(title)
            ax.set_title(f"{title}: {dataset}")
            ax.legend()
            ax.grid(alpha=0.3)
            fig.tight_layout()
            fig.savefig(f"{metric}_{dataset}.png", dpi=120)
            plt.close(fig)


def plot_step_to_grok() -> None:
    """Bars of step_val_acc_99 (the steps trained where 0.99 was never reached) per run."""
    infos = {}
    for folder in labels:
        path = os.path.join(folder, "final_info.json")
        if os.path.exists(path):
            with open(path) as f:
                infos[folder] = json.load(f)
    if not infos:
        return
    datasets = sorted({ds for info in infos.values() for ds in info})
    width = 0.8 / len(infos)
    fig, ax = plt.subplots(figsize=(max(6, 1.5 * len(datasets)), 4))
    for i, (folder, info) in enumerate(infos.items()):
        xs = [d + i * width for d, ds in enumerate(datasets) if ds in info]
        means = [info[ds]["means"]["step_val_acc_99"] for ds in datasets if ds in info]
        errs = [info[ds].get("stderrs", {}).get("step_val_acc_99", 0.0) for ds in datasets if ds in info]
        ax.bar(xs, means, width, yerr=errs, label=labels[folder])
    ax.set_xticks([d + 0.4 - width / 2 for d in range(len(datasets))])
    ax.set_xticklabels(datasets)
    ax.set_ylabel("First step with validation accuracy >= 0.99")
    ax.set_title("Steps to grok (steps trained if never reached)")
    ax.legend()
    fig.tight_layout()
    fig.savefig("step_val_acc_99.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    runs = load_runs()
    plot_curves(runs)
    plot_step_to_grok()
