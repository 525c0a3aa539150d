"""A figure of the search tree, drawn from ``tree.json`` alone (matplotlib, no run involved).

Nodes are placed by depth (top to bottom) and by their order among their siblings; the colour
says the kind (baseline, draft, improve, debug, seed), the marker the status (done: circle,
failed: cross, pruned or pending: hollow square, a duplicate not run: hollow diamond); each
node is labelled with its run and its metric value. The path from the baseline to the best
node is drawn thick.
"""

from __future__ import annotations

import io
from pathlib import Path

from aisci.core.metric import Metric
from aisci.core.search.tree import Tree
from aisci.execution import safefs

COLOURS = {
    "root": "#444444",
    "draft": "#1f77b4",
    "improve": "#2ca02c",
    "debug": "#d62728",
    "seed": "#9467bd",
}
MARKERS = {
    "done": "o",
    "failed": "X",
    "pruned": "s",
    "pending": "s",
    "running": "s",
    "duplicate": "D",
}


def layout(tree: Tree) -> dict[int, tuple[float, float]]:
    """x: leaves left to right in id order, a parent above the middle of its children; y: -depth."""
    pos: dict[int, tuple[float, float]] = {}
    next_x = [0.0]

    def place(node_id: int, depth: int) -> float:
        children = sorted(tree.children(node_id), key=lambda n: n.id)
        if not children:
            x = next_x[0]
            next_x[0] += 1
        else:
            xs = [place(c.id, depth + 1) for c in children]
            x = (min(xs) + max(xs)) / 2
        pos[node_id] = (x, -depth)
        return x

    if any(n.id == 0 for n in tree.nodes):
        place(0, 0)
    return pos


def draw_tree(tree: Tree, out: Path) -> Path:
    # deferred: matplotlib takes ~0.45 s to import; only a drawn figure needs it
    import matplotlib

    matplotlib.use("Agg")
    # deferred: matplotlib, as above (pyplot after the backend is chosen)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    metric = Metric.from_dict(tree.metric) if tree.metric else None
    best = tree.best(metric.better) if metric else None
    path = set(tree.path_to(best.id)) if best else set()
    pos = layout(tree)
    width = max(4.0, 0.9 * (max((x for x, _ in pos.values()), default=0) + 1))
    height = max(2.5, 1.1 * (max((-y for _, y in pos.values()), default=0) + 1))
    fig, ax = plt.subplots(figsize=(min(width, 14), min(height, 9)))
    for node in tree.nodes:
        if node.parent is None or node.id not in pos or node.parent not in pos:
            continue
        on_path = node.id in path and node.parent in path
        (x0, y0), (x1, y1) = pos[node.parent], pos[node.id]
        ax.plot(
            [x0, x1],
            [y0, y1],
            color="#d4a017" if on_path else "#bbbbbb",
            lw=3.5 if on_path else 1,
            zorder=1,
        )
    for node in tree.nodes:
        if node.id not in pos:
            continue
        x, y = pos[node.id]
        hollow = node.status in ("pruned", "pending", "running", "duplicate")
        ax.scatter(
            [x],
            [y],
            s=220,
            marker=MARKERS.get(node.status, "o"),
            zorder=2,
            facecolors="white" if hollow else COLOURS[node.kind],
            edgecolors=COLOURS[node.kind],
            linewidths=2.5 if node.id in path else 1,
        )
        value = f"\n{node.metric:.3g}" if node.metric is not None else ""
        ax.annotate(
            f"{node.run or f'node {node.id}'}{value}",
            (x, y),
            textcoords="offset points",
            xytext=(0, -24),
            ha="center",
            va="top",
            fontsize=7,
        )
    handles = [
        Line2D([], [], marker="o", ls="", color=c, label=k if k != "root" else "baseline")
        for k, c in COLOURS.items()
        if any(n.kind == k for n in tree.nodes)
    ]
    handles.append(Line2D([], [], color="#d4a017", lw=3.5, label="path to the best node"))
    ax.legend(handles=handles, loc="upper right", fontsize=7, frameon=False)
    ax.set_title(f"Search tree ({metric.label() if metric else 'no metric'})", fontsize=9)
    ax.axis("off")
    ax.margins(0.12, 0.25)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    safefs.write_atomic(Path(out), buffer.getvalue(), root=Path(out).parent)
    return Path(out)
