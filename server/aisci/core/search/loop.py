"""Runs the search's nodes, up to ``--parallel`` at once, and records each result.

``run_nodes`` keeps the workers busy: a pending node first (a resume's, or the seeds'), else the
next expansion it is given; each node runs in its own work folder (``runs.run_node``).
A finished node lands in the record (``tree.json``: done with its means and metric value, or
failed with its error) and in ``state.json`` as ``run_<id>`` like a linear run, and notes.txt
is rendered again. A cancelled run, or one still running when the loop stops for a cancel or an
error, is left pending, so a resume runs it again.
"""

from __future__ import annotations

import concurrent.futures as futures
from collections.abc import Callable
from pathlib import Path

from aisci.core.context import Context
from aisci.core.metric import Metric
from aisci.core.notes import write_notes
from aisci.core.runs import run_record
from aisci.core.search.record import load_search_tree
from aisci.core.search.runs import run_node
from aisci.core.search.tree import Node, Tree, set_node
from aisci.core.state import State
from aisci.execution.runner import RunResult


def run_nodes(
    folder: Path, ctx: Context, metric: Metric, next_expansion: Callable[[Tree], Node | None]
) -> None:
    """Run pending nodes and expansions until none is left, then raise ``Cancelled`` if the
    search was cancelled."""
    running: dict[futures.Future, int] = {}
    workers = max(1, ctx.settings.parallel)
    with futures.ThreadPoolExecutor(workers, thread_name_prefix="aisci-node") as pool:
        try:
            while True:
                while len(running) < workers and not ctx.cancel.is_set():
                    tree = load_search_tree(folder)
                    busy = set(running.values())
                    pending = [n for n in tree.nodes if n.status == "pending" and n.id not in busy]
                    node = pending[0] if pending else next_expansion(tree)
                    if node is None:
                        break
                    if node.status == "pending":
                        set_node(folder, node.id, status="running")
                        running[pool.submit(run_node, folder, node, ctx)] = node.id
                if not running:
                    break
                done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    _land(folder, metric, running.pop(future), future.result())
        finally:
            # A cancel or an error: let the runs stop, keep them pending.
            for future in list(running):
                try:
                    future.result()
                except Exception:  # its own error was, or will be, reported by the caller
                    pass
                set_node(folder, running.pop(future), status="pending")
    ctx.check_cancelled("The search")


def _land(folder: Path, metric: Metric, node_id: int, result: RunResult) -> None:
    tree = load_search_tree(folder)
    node = tree.node(node_id)
    state = State.load(folder)
    if result.cancelled:
        set_node(folder, node_id, status="pending")
        return
    if result.ok and result.final_info is not None:  # ok: it has a final_info
        means = result.final_info.means()
        value = metric.value(means)
        set_node(
            folder,
            node_id,
            status="done",
            means=means,
            metric=value,
            error=None if value is not None else f"{metric.name} is not in its results",
        )
        state.record(
            f"run_{node_id}",
            description=node.description,
            means=means,
            node_kind=node.kind,
            notes=f"{metric.name}: {'missing' if value is None else f'{value:.4g}'}",
            **run_record(result),
        )
    else:
        error = result.summary(with_hint=False)
        set_node(folder, node_id, status="failed", error=error)
        state.record(
            f"run_{node_id}",
            status="failed",
            description=node.description,
            error=error,
            node_kind=node.kind,
            stderr_tail=result.stderr_tail,
            **run_record(result),
        )
    write_notes(folder)
