"""The tree search's record (``tree.json``): started or resumed, and read back.

``start_search`` writes, before anything else reads the record: the search's settings with the
rule it follows (``RULE``, implemented in ``expand.py``), the metric it optimises and the
root node (the baseline, ``run_0``). The metric is chosen once and recorded, so a resume keeps
it: the template's declared metric, else the scientist's choice when it ``ChoosesMetric``, else
the first metric of run_0's final_info.json, and an undeclared choice is stated as a warning.
Nodes a kill left running become pending (their code is in their snapshot). The other stages of
the search read the record back with ``load_search_tree``, ``search_metric`` and ``node_code``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from aisci.core.context import Context
from aisci.core.events import Log
from aisci.core.metric import Metric, declared_metric, first_metric
from aisci.core.scientist import ChoosesMetric, Scientist
from aisci.core.search.tree import Tree, load_tree, root_node, update_tree
from aisci.errors import ExperimentError
from aisci.execution import safefs
from aisci.execution.final_info import load_final_info

# The selection rule (expand.py) in the words tree.json records.
RULE = (
    "pinned nodes first; then drafts from the baseline up to half of --max-nodes; then a failed node "
    "without a debug child while under --debug-depth; else improve the best done node on the metric"
)


def load_search_tree(folder: Path) -> Tree:
    """The search record, which ``start_search`` wrote before anything else reads it."""
    return cast(Tree, load_tree(folder))


def search_metric(tree: Tree) -> Metric:
    """The metric the search optimises, which ``start_search`` recorded in the tree."""
    return Metric.from_dict(cast(dict[str, Any], tree.metric))


def start_search(folder: Path, scientist: Scientist, ctx: Context) -> Tree:
    """The record with its root (the baseline) and metric; after a kill, running nodes are pending."""
    s = ctx.settings
    if not safefs.is_file(folder / "run_0.py", root=folder):
        safefs.copy_file(
            folder / "experiment.py", folder / "run_0.py", src_root=folder, dst_root=folder
        )
    root_code = node_code(folder, 0)
    baseline = load_final_info(folder / "run_0" / "final_info.json").means()

    def change(tree: Tree) -> Tree:
        tree = replace(
            tree,
            search="tree",
            settings={
                "max_nodes": s.max_nodes,
                "debug_depth": s.debug_depth,
                "seeds": s.seeds,
                "parallel": s.parallel,
                "rule": RULE,
            },
        )
        recorded = tree.metric
        if recorded is None:
            recorded = _choose_metric(folder, scientist, baseline, ctx).to_dict()
            tree = replace(tree, metric=recorded)
        metric = Metric.from_dict(recorded)
        if not any(n.id == 0 for n in tree.nodes):
            tree = tree.with_node(root_node(root_code, baseline, metric))
        for node in tree.nodes:
            # A kill stopped it: its code is in its snapshot, run it again.
            if node.status == "running":
                tree = tree.with_node(replace(node, status="pending"))
        return tree

    tree = update_tree(folder, change)
    if search_metric(tree).value(baseline) is None:
        raise ExperimentError(
            f"The search metric {search_metric(tree).label()} is not in run_0's results.",
            "Fix the metric in the template's aisci.json (aisci template check shows it).",
        )
    return tree


def _choose_metric(
    folder: Path, scientist: Scientist, baseline: dict[str, dict[str, float]], ctx: Context
) -> Metric:
    declared = declared_metric(folder)
    if declared is not None:
        return declared
    chosen = (
        scientist.choose_metric(folder, baseline, ctx)
        if isinstance(scientist, ChoosesMetric)
        else None
    )
    if chosen is None:
        # run_0's final_info.json was validated: it has at least one metric.
        chosen = cast(
            Metric,
            first_metric(
                baseline, "the first metric of run_0's final_info.json (the template declares none)"
            ),
        )
    ctx.reporter.emit(
        Log(
            f"the template declares no metric: the search optimises {chosen.label()}, chosen by "
            f"{chosen.source}",
            "warning",
            str(folder),
        )
    )
    return chosen


def node_code(folder: Path, node_id: int) -> str:
    """The code node ``node_id`` runs: its snapshot ``run_<id>.py``."""
    return safefs.read_text(folder / f"run_{node_id}.py", root=folder)
