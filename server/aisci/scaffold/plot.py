"""Plots every labelled run: validation loss curves. Run in the idea folder, no arguments."""

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Folder -> legend label. Only the runs listed here are plotted.
labels = {
    "run_0": "Baseline",
}

fig, ax = plt.subplots(figsize=(6, 4))
for run, label in labels.items():
    path = os.path.join(run, "all_results.json")
    if not os.path.exists(path):
        continue
    with open(path) as f:
        curves = json.load(f)["sine"]
    first = curves[0]
    ax.plot([p["step"] for p in first], [p["val_loss"] for p in first], label=label)
ax.set_xlabel("step")
ax.set_ylabel("validation MSE")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()
fig.savefig("val_loss.png", dpi=120)
