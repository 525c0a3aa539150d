"""Stage 4 as a tree search: best-first over variants of experiment.py, confirmed over seeds.

The stage owns selection, limits, running, recording, resuming and the proposals a person
reviews; the scientist only says what to change (``propose_node``). The exploration rule, in
order, each time a worker is free (docs/search.md):

1. a node a person pinned is expanded next (improved when done, debugged when failed);
2. drafts from the baseline, up to half of ``--max-nodes`` (at least one);
3. a failed node without a debug child, while under ``--debug-depth``, is debugged (oldest first);
4. otherwise the best done node on the metric is improved (the next best when the scientist
   has nothing more for it);
5. nothing left: the search ends. It also ends at ``--max-nodes`` nodes that ran code.

Then the best node (the baseline if nothing beat it) is run again with ``--seeds`` seeds
(``AISCI_SEED=1..N``), and the record keeps their mean and spread. Every node runs in its own
work folder (``.search/node_<id>/``, the template's files with the node's experiment.py)
through ``ctx.executor``, up to ``--parallel`` at once; its run folder then lands in the idea
folder as ``run_<id>/`` beside its snapshot ``run_<id>.py``, and ``state.json`` records it as
``run_<id>`` like a linear run, so plots, paper and ``aisci check`` read it as any run.
"""

from __future__ import annotations

import concurrent.futures as futures
import math
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, cast

from aisci.core.atomic import write_text_atomic
from aisci.core.context import Cancelled, Context
from aisci.core.editing import reviewed_edit
from aisci.core.events import Log, StageFinished, StageStarted
from aisci.core.experiments import ExperimentsOutcome, history_from_state, load_idea
from aisci.core.metric import Metric, declared_metric, first_metric
from aisci.core.notes import write_notes
from aisci.core.proposals import text_hash
from aisci.core.scientist import ChoosesMetric, NodeJob
from aisci.core.search_runs import run_node
from aisci.core.state import State
from aisci.core.tree import Node, Tree, code_diff, load_tree, set_node, update_tree
from aisci.execution import safefs
from aisci.execution.final_info import load_final_info

RULE = (
    "pinned nodes first; then drafts from the baseline up to half of --max-nodes; then a failed node "
    "without a debug child while under --debug-depth; else improve the best done node on the metric"
)


def run_search(folder: Path, scientist, ctx: Context) -> ExperimentsOutcome:
    folder = Path(folder).resolve()
    state = State.load(folder)
    if state.is_done("experiments"):
        return ExperimentsOutcome(
            folder, tuple(history_from_state(state)), True, "finished earlier"
        )
    s = ctx.settings
    ctx.reporter.emit(
        StageStarted(
            "experiments",
            str(folder),
            f"tree search: up to {s.max_nodes} nodes, {s.seeds} seed(s), {s.parallel} at once",
        )
    )
    write_notes(folder)
    tree = _start(folder, scientist, ctx)
    metric = _metric(tree)
    search = _Search(folder, scientist, ctx, metric)
    search.expand_all()
    tree = _load(folder)
    best = tree.best(metric.better)
    if best is None:
        return _finish(folder, ctx, ok=False, message="no node finished, not even the baseline")
    search.confirm(best)
    tree = _load(folder)
    write_text_atomic(
        folder / "experiment.py", _code(folder, best.id)
    )  # the paper describes the best variant
    safefs.remove(folder / ".search", root=folder)
    _draw(folder, tree)
    ran = [n for n in tree.search_nodes() if n.run]
    failed = sum(n.status == "failed" for n in ran)
    return _finish(
        folder,
        ctx,
        ok=True,
        best=best,
        message=(
            f"{len(ran)} node(s), {failed} failed; best run_{best.id} ({metric.name} {best.metric:.4g})"
            + _confirmation_words(tree)
        ),
    )


def _load(folder: Path) -> Tree:
    """The search record, which ``_start`` wrote before anything else reads it."""
    return cast(Tree, load_tree(folder))


def _metric(tree: Tree) -> Metric:
    """The metric the search optimises, which ``_start`` recorded in the tree."""
    return Metric.from_dict(cast(dict[str, Any], tree.metric))


def _start(folder: Path, scientist, ctx: Context) -> Tree:
    """The record with its root (the baseline) and metric; after a kill, running nodes are pending."""
    s = ctx.settings
    if not safefs.is_file(folder / "run_0.py", root=folder):
        safefs.copy_file(
            folder / "experiment.py", folder / "run_0.py", src_root=folder, dst_root=folder
        )
    root_code = _code(folder, 0)
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
            tree = tree.with_node(
                Node(
                    0,
                    None,
                    "root",
                    "the baseline (the template's experiment.py)",
                    "done",
                    code_hash=text_hash(root_code),
                    metric=metric.value(baseline),
                    means=baseline,
                )
            )
        for node in tree.nodes:
            if (
                node.status == "running"
            ):  # a kill stopped it: its code is in its snapshot, run it again
                tree = tree.with_node(replace(node, status="pending"))
        return tree

    tree = update_tree(folder, change)
    if _metric(tree).value(baseline) is None:
        from aisci.errors import ExperimentError

        raise ExperimentError(
            f"The search metric {_metric(tree).label()} is not in run_0's results.",
            "Fix the metric in the template's aisci.json (aisci template check shows it).",
        )
    return tree


def _choose_metric(folder: Path, scientist, baseline: dict, ctx: Context) -> Metric:
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


def _code(folder: Path, node_id: int) -> str:
    return safefs.read_text(folder / f"run_{node_id}.py", root=folder)


class _Search:
    def __init__(self, folder: Path, scientist, ctx: Context, metric: Metric):
        self.folder, self.scientist, self.ctx, self.metric = folder, scientist, ctx, metric
        self.exhausted: set[tuple[int, str]] = (
            set()
        )  # (parent, kind) the scientist had nothing more for
        self.running: dict[futures.Future, int] = {}

    # -- the loop ------------------------------------------------------------------------------
    def expand_all(self) -> None:
        self._loop(self._next_expansion)

    def confirm(self, best: Node) -> None:
        s = self.ctx.settings
        if s.seeds < 1:
            update_tree(
                self.folder,
                lambda t: replace(
                    t,
                    confirmation=None,
                    notes=tuple({*t.notes, "no confirmation over seeds (--seeds 0)"}),
                ),
            )
            return
        code = _code(self.folder, best.id)
        for seed in range(1, s.seeds + 1):
            tree = _load(self.folder)
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
            write_text_atomic(self.folder / f"run_{node.id}.py", code)
            update_tree(self.folder, partial(Tree.with_node, node=node))
        self._loop(lambda tree: None)
        tree = _load(self.folder)
        seeds = [n for n in tree.nodes if n.kind == "seed" and n.parent == best.id]
        update_tree(
            self.folder, lambda t: replace(t, confirmation=confirmation(best, seeds, self.metric))
        )

    def _loop(self, next_expansion) -> None:
        workers = max(1, self.ctx.settings.parallel)
        with futures.ThreadPoolExecutor(workers, thread_name_prefix="aisci-node") as pool:
            try:
                while True:
                    while len(self.running) < workers and not self.ctx.cancel.is_set():
                        tree = _load(self.folder)
                        busy = set(self.running.values())
                        pending = [
                            n for n in tree.nodes if n.status == "pending" and n.id not in busy
                        ]
                        node = pending[0] if pending else next_expansion(tree)
                        if node is None:
                            break
                        if node.status == "pending":
                            set_node(self.folder, node.id, status="running")
                            self.running[pool.submit(run_node, self.folder, node, self.ctx)] = (
                                node.id
                            )
                    if not self.running:
                        break
                    done, _ = futures.wait(self.running, return_when=futures.FIRST_COMPLETED)
                    for future in done:
                        self._land(self.running.pop(future), future.result())
            finally:
                for future in list(
                    self.running
                ):  # a cancel or an error: let the runs stop, keep them pending
                    try:
                        future.result()
                    except Exception:  # its own error was, or will be, reported by the caller
                        pass
                    set_node(self.folder, self.running.pop(future), status="pending")
        self.ctx.check_cancelled("The search")

    def _land(self, node_id: int, result) -> None:
        from aisci.core.runs import run_record

        tree = _load(self.folder)
        node = tree.node(node_id)
        state = State.load(self.folder)
        if result.cancelled:
            set_node(self.folder, node_id, status="pending")
            return
        if result.ok:
            means = result.final_info.means()
            value = self.metric.value(means)
            set_node(
                self.folder,
                node_id,
                status="done",
                means=means,
                metric=value,
                error=None if value is not None else f"{self.metric.name} is not in its results",
            )
            state.record(
                f"run_{node_id}",
                description=node.description,
                means=means,
                node_kind=node.kind,
                notes=f"{self.metric.name}: {'missing' if value is None else f'{value:.4g}'}",
                **run_record(result),
            )
        else:
            error = result.summary(with_hint=False)
            set_node(self.folder, node_id, status="failed", error=error)
            state.record(
                f"run_{node_id}",
                status="failed",
                description=node.description,
                error=error,
                node_kind=node.kind,
                stderr_tail=result.stderr_tail,
                **run_record(result),
            )
        write_notes(self.folder)

    # -- selection -----------------------------------------------------------------------------
    def _next_expansion(self, tree: Tree) -> Node | None:
        s = self.ctx.settings
        while sum(1 for n in tree.search_nodes() if n.run) < s.max_nodes:
            for parent, kind in self._candidates(tree):
                if (parent.id, kind) in self.exhausted:
                    continue
                node = self._propose(tree, parent, kind)
                if node is not None:
                    return node
                self.exhausted.add((parent.id, kind))
                if kind == "debug":
                    break  # the record changed (a debug node that runs nothing): select again
            else:
                return None
            tree = _load(self.folder)
        return None

    def _candidates(self, tree: Tree):
        s = self.ctx.settings
        usable = [n for n in tree.nodes if not n.pruned and n.kind != "seed"]
        for node in usable:
            if node.pinned and node.status in ("done", "failed"):
                set_node(self.folder, node.id, pinned=False)  # a pin is one expansion
                if node.status == "done":
                    yield node, ("draft" if node.kind == "root" else "improve")
                elif node.depth < s.debug_depth:
                    yield node, "debug"
        drafts = sum(1 for n in tree.nodes if n.kind == "draft")
        if drafts < max(1, s.max_nodes // 2):
            yield tree.node(0), "draft"
        for node in usable:
            if (
                node.status == "failed"
                and node.run
                and node.depth < s.debug_depth
                and not any(c.kind == "debug" for c in tree.children(node.id))
            ):
                yield node, "debug"
        done = [
            (n.metric, n)
            for n in usable
            if n.status == "done" and n.metric is not None and n.kind != "root"
        ]
        keyed = sorted(
            done,
            key=lambda pair: (-pair[0] if self.metric.direction == "max" else pair[0], pair[1].id),
        )
        for _, node in keyed:
            yield node, "improve"
        yield tree.node(0), "draft"  # nothing to improve yet (every draft failed): draft again

    def _propose(self, tree: Tree, parent: Node, kind: str) -> Node | None:
        """Ask the scientist for a child of ``parent`` (reviewed like any edit); record it pending."""
        ctx, folder = self.ctx, self.folder
        parent_code = _code(folder, parent.id)
        write_text_atomic(
            folder / "experiment.py", parent_code
        )  # proposals are edits of the parent's code
        job = NodeJob(
            folder,
            load_idea(folder),
            State.load(folder).get("template", ""),
            tree.node(0).means,
            tree,
            self.metric,
            ctx.settings.max_nodes,
        )
        accepted = reviewed_edit(
            ctx, lambda feedback: self.scientist.propose_node(job, parent, kind, feedback, ctx)
        )
        depth = parent.depth + 1 if kind == "debug" else 0
        node_id = _load(folder).next_id()
        if accepted is None:
            if kind == "debug":
                why = "no fix was proposed" + (
                    " (the sweep scientist changes constants; it cannot repair code)"
                    if self.scientist.kind == "sweep"
                    else ""
                )
                node = Node(
                    node_id,
                    parent.id,
                    "debug",
                    f"debug of run_{parent.id}: {why}",
                    "failed",
                    error=why,
                    note=why,
                    depth=depth,
                )
                update_tree(folder, lambda t: t.with_node(node))
                ctx.reporter.emit(Log(f"run_{parent.id} failed and {why}", "warning", str(folder)))
            return None
        proposal, written = accepted
        description = proposal.description
        if written != proposal.proposed:
            description += " (edited by a person before it ran)"
        write_text_atomic(folder / f"run_{node_id}.py", written)
        node = Node(
            node_id,
            parent.id,
            kind,
            description,
            "pending",
            diff=code_diff(parent_code, written),
            code_hash=text_hash(written),
            depth=depth,
        )
        update_tree(folder, lambda t: t.with_node(node))
        ctx.reporter.emit(
            Log(f"node {node_id} ({kind} of run_{parent.id}): {description}", "info", str(folder))
        )
        return node


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


def _confirmation_words(tree: Tree) -> str:
    c = tree.confirmation
    if not c or not c.get("n"):
        return ""
    spread_ = f" ± {c['std']:.4g}" if c.get("std") is not None else " (one seed: no spread)"
    return f"; over {c['n']} seed(s) {c['metric']} {c['mean']:.4g}{spread_}"


def _draw(folder: Path, tree: Tree) -> None:
    try:
        from aisci.core.tree_figure import draw_tree
    except ImportError:  # matplotlib is not installed: the record is still complete
        return
    draw_tree(tree, folder / "search_tree.png")


def _finish(
    folder: Path, ctx: Context, *, ok: bool, message: str, best: Node | None = None
) -> ExperimentsOutcome:
    state = State.load(folder)
    history = tuple(history_from_state(state))
    if ok:
        state.record(
            "experiments",
            runs=[r.run for r in history if r.error is None],
            search="tree",
            best=f"run_{best.id}" if best else None,
        )
    else:
        state.record("experiments", status="failed", error=message, search="tree")
    ctx.reporter.emit(StageFinished("experiments", str(folder), ok=ok, message=message))
    return ExperimentsOutcome(folder, history, ok, message)


__all__ = ["RULE", "Cancelled", "confirmation", "run_search", "spread"]
