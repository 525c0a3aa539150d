"""Plot the training and validation loss curves of every labelled run.

Run with no arguments from the idea folder. For each run folder named in `labels` that exists,
it reads `<run>/all_results.json` (written by experiment.py) and draws the mean loss over seeds
against the training step, with a band of +-1 standard deviation when there are several seeds.
Writes `train_loss_shakespeare_char.png` and `val_loss_shakespeare_char.png` into the cwd.
"""

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Run folder -> legend label. Add one entry per run to compare.
labels = {
    "run_0": "Baseline",
}

DATASET = "shakespeare_char"


def load_curves(run_dir):
    with open(os.path.join(run_dir, "all_results.json")) as f:
        runs = json.load(f)[DATASET]["runs"]
    steps = np.array(runs[0]["steps"])
    train = np.array([r["train_loss"] for r in runs])
    val = np.array([r["val_loss"] for r in runs])
    return steps, train, val


def main():
    curves = {}
    for run_dir, label in labels.items():
        if not os.path.exists(os.path.join(run_dir, "all_results.json")):
            print(f"plot.py: skipping {run_dir} (no all_results.json)")
            continue
        curves[label] = load_curves(run_dir)
    if not curves:
        print("plot.py: no run folder from `labels` has results; nothing to plot")
        return

    for index, split in ((1, "train"), (2, "val")):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for label, data in curves.items():
            steps, values = data[0], data[index]
            mean, std = values.mean(axis=0), values.std(axis=0)
            ax.plot(steps, mean, label=label)
            if len(values) > 1:
                ax.fill_between(steps, mean - std, mean + std, alpha=0.2)
        name = "Training" if split == "train" else "Validation"
        ax.set_title(f"{name} loss, character-level Shakespeare")
        ax.set_xlabel("Training step")
        ax.set_ylabel("Cross-entropy (nats per character)")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        out = f"{split}_loss_{DATASET}.png"
        fig.savefig(out, dpi=120)
        plt.close(fig)
        print(f"plot.py: wrote {out}")


if __name__ == "__main__":
    main()
