"""Draws the first curve of every run named in labels (run folder -> legend label)."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

labels = {
    "run_0": "Baselines",
}

fig, ax = plt.subplots(figsize=(5, 3.5))
for folder, label in labels.items():
    path = os.path.join(folder, "all_results.npy")
    if not os.path.exists(path):
        continue
    results = np.load(path, allow_pickle=True).item()
    curve = np.asarray(next(iter(results.values())), dtype=float)
    if curve.ndim > 1:  # several seeds (rows) or compartments (columns): draw the first
        curve = curve[0] if curve.shape[0] < curve.shape[1] else curve[:, 0]
    ax.plot(curve, label=label)
ax.legend()
fig.tight_layout()
fig.savefig("curves.png", dpi=80)
