"""Figures for the compressed_cnn template; run with the idea folder as the working directory.

Reads `<run>/all_results.json` and `<run>/final_info.json` of every run folder named in `labels`
that exists (missing ones are skipped) and writes, into the working directory:

- `val_acc_mnist.png`: validation accuracy against training epochs, mean over seeds with the
  min-max band, one line per labelled run;
- `reconstructions.png`: a few test digits, original (top row) and after each run's
  compress -> reconstruct (one row per run), taken from the examples each run saved, so the
  figure shows every run's own compression even after experiment.py has changed;
- `accuracy_vs_size.png`: test accuracy against the size of a code in bits (a float32 number is
  32 bits, a binary pixel 1 bit), one point per run; error bars only where several seeds ran.
"""

from __future__ import annotations

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Folder -> legend label; the experiment stage adds one entry per run it makes.
labels = {
    "run_0": "Baseline",
}

DATASET = "mnist"


def read_json(path: str):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_runs() -> dict[str, dict]:
    runs = {}
    for folder in labels:
        results = read_json(os.path.join(folder, "all_results.json"))
        if results is not None:
            runs[folder] = {"results": results, "final": read_json(os.path.join(folder, "final_info.json"))}
    return runs


def plot_val_acc(runs: dict[str, dict]) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for folder, run in runs.items():
        seeds = list(run["results"].get(DATASET, {}).values())
        if not seeds:
            continue
        n = min(len(s["val_acc"]) for s in seeds)  # seeds of one run share their evaluation steps
        epochs = np.asarray(seeds[0]["epoch"][:n])
        acc = np.asarray([s["val_acc"][:n] for s in seeds])
        line, = ax.plot(epochs, acc.mean(0), marker="o", markersize=3, label=labels[folder])
        if len(seeds) > 1:
            ax.fill_between(epochs, acc.min(0), acc.max(0), color=line.get_color(), alpha=0.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title("MNIST from compressed codes: validation accuracy")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig("val_acc_mnist.png", dpi=120)
    plt.close(fig)


def plot_reconstructions(runs: dict[str, dict]) -> None:
    rows = []  # (row title, images)
    for folder, run in runs.items():
        ex = run["results"].get("examples") or {}
        try:
            recon = np.asarray(ex["reconstructed"], dtype=float).reshape(-1, 28, 28)
            if not rows:
                rows.append(("original", np.asarray(ex["original"], dtype=float).reshape(-1, 28, 28)))
        except (KeyError, ValueError):
            continue  # a run whose compression has no image-shaped reconstruction
        size = f"{ex.get('compressed_dim', '?')} numbers"
        if "bits_per_image" in ex:
            size += f", {ex['bits_per_image']} bits"
        rows.append((f"{labels[folder]}\n({size})", recon))
    if not rows:
        return
    cols = min(len(images) for _, images in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(1.2 * cols + 1.2, 1.3 * len(rows)), squeeze=False)
    for r, (title, images) in enumerate(rows):
        for c in range(cols):
            ax = axes[r][c]
            ax.imshow(np.clip(images[c], 0, 1), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r][0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("Test digits before and after compress -> reconstruct")
    fig.tight_layout()
    fig.savefig("reconstructions.png", dpi=120)
    plt.close(fig)


def plot_accuracy_vs_size(runs: dict[str, dict]) -> None:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    dims_seen = set()
    for folder, run in runs.items():
        info = (run["final"] or {}).get(DATASET, {})
        means = info.get("means", {})
        dims = info.get("final_info_dict", {}).get("compressed_dim")
        # Runs made before sizes were counted in bits held float32 numbers: 32 bits each.
        bits = means.get("bits_per_image", dims[0] * 32 if dims else None)
        acc, err = means.get("test_acc"), (info.get("stderrs") or {}).get("test_acc")
        if bits is None or acc is None:
            continue
        ax.errorbar(bits, acc, yerr=err, fmt="o", capsize=3, label=labels[folder])
        dims_seen.add(int(bits))
    if not dims_seen:
        plt.close(fig)
        return
    ax.set_xscale("log")
    ax.set_xticks(sorted(dims_seen), [str(d) for d in sorted(dims_seen)])
    ax.minorticks_off()
    ax.set_xlabel("bits per image (a 784-pixel binary image is 784 bits)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Accuracy against compressed size")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig("accuracy_vs_size.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    found = load_runs()
    plot_val_acc(found)
    plot_reconstructions(found)
    plot_accuracy_vs_size(found)
