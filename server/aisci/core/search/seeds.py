"""The search's finish: the best node run again over ``--seeds`` seeds, and their spread.

``confirm_best`` adds one seed node per seed (``AISCI_SEED=1..N``) with the best node's code,
skipping those a resumed search already has, runs them (``loop.run_nodes``) and records
``confirmation`` in the tree: the mean and spread over the seeds of the search's metric and of
every metric all seed runs report. ``--seeds 0`` records that there is no confirmation.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from aisci.core.atomic import write_text_atomic
from aisci.core.context import Context
from aisci.core.metric import Metric
from aisci.core.proposals import text_hash
from aisci.core.search.loop import run_nodes
from aisci.core.search.record import load_search_tree, node_code
from aisci.core.search.tree import Node, Tree, update_tree


def confirm_best(folder: Path, ctx: Context, metric: Metric, best: Node) -> None:
    """Run ``best`` again with each seed it lacks and record their mean and spread."""
    s = ctx.settings
    if s.seeds < 1:
        update_tree(
            folder,
            lambda t: replace(
                t,
                confirmation=None,
                notes=tuple({*t.notes, "no confirmation over seeds (--seeds 0)"}),
            ),
        )
        return
    code = node_code(folder, best.id)
    for seed in range(1, s.seeds + 1):
        tree = load_search_tree(folder)
        if any(n.kind == "seed" and n.parent == best.id and n.seed == seed for n in tree.nodes):
            continue
        node = Node(
            tree.next_id(),
            best.id,
            "seed",
            f"seed {seed} of run_{best.id} (AISCI_SEED={seed})",
            code_hash=text_hash(code),
            seed=seed,
            means={},
        )
        write_text_atomic(folder / f"run_{node.id}.py", code)
        update_tree(folder, partial(Tree.with_node, node=node))
    run_nodes(folder, ctx, metric, lambda tree: None)
    tree = load_search_tree(folder)
    seeds = [n for n in tree.nodes if n.kind == "seed" and n.parent == best.id]
    update_tree(folder, lambda t: replace(t, confirmation=confirmation(best, seeds, metric)))


def confirmation(best: Node, seeds: list[Node], metric: Metric) -> dict:
    """Mean and spread over the seed runs of the best node, for every metric they all report."""
    done = [n for n in seeds if n.status == "done"]
    metric_values = [n.metric for n in done]
    means: dict[str, dict[str, dict]] = {}
    for dataset in done[0].means if done else {}:
        for name in done[0].means[dataset]:
            values = [n.means.get(dataset, {}).get(name) for n in done]
            present = [v for v in values if v is not None]
            if len(present) < len(values):
                continue
            means.setdefault(dataset, {})[name] = spread(present)
    out: dict[str, Any] = {
        "node": best.id,
        "run": f"run_{best.id}",
        "seeds": [n.seed for n in done],
        "runs": [f"run_{n.id}" for n in done],
        "failed": [f"run_{n.id}" for n in seeds if n.status != "done"],
        "metric": metric.name,
        "values": metric_values,
        "means": means,
    }
    summary = spread([v for v in metric_values if v is not None]) if done else None
    out.update(summary or {})
    return out


def spread(values: list[float]) -> dict:
    n = len(values)
    mean = sum(values) / n if n else math.nan
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return {
        "n": n,
        "mean": mean,
        "std": std,
        "stderr": std / math.sqrt(n) if std is not None else None,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
    }


def confirmation_words(tree: Tree) -> str:
    c = tree.confirmation
    if not c or not c.get("n"):
        return ""
    spread_ = f" ± {c['std']:.4g}" if c.get("std") is not None else " (one seed: no spread)"
    return f"; over {c['n']} seed(s) {c['metric']} {c['mean']:.4g}{spread_}"
