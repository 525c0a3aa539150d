"""Draws the validation accuracy of the first seed of x_plus_y for every run named in labels."""
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
    log = np.load(path, allow_pickle=True).item()["x_plus_y_0_val_info"]
    ax.plot([e["step"] for e in log], [e["val_accuracy"] for e in log], label=label)
ax.set_xlabel("update")
ax.set_ylabel("validation accuracy")
ax.legend()
fig.tight_layout()
fig.savefig("curves.png", dpi=80)
