"""Stage 4 as a tree search: best-first over variants of experiment.py, confirmed over seeds.

The stage owns selection, limits, running, recording, resuming and the proposals a person
reviews; the scientist only says what to change (``propose_node``). The exploration rule, in
order, each time a worker is free (docs/search.md):

1. a node a person pinned is expanded next (improved when done, debugged when failed);
2. drafts from the baseline, up to half of ``--max-nodes`` (at least one);
3. a failed node without a debug child, while under ``--debug-depth``, is debugged (oldest first);
4. otherwise the best done node on the metric is improved (the next best when the scientist
   has nothing more for it);
5. nothing left: the search ends. It also ends at ``--max-nodes`` nodes that ran code (or
   repeated an earlier node's code byte for byte: such a node is recorded ``duplicate`` of that
   node and not run).

Then the best node (the baseline if nothing beat it) is run again with ``--seeds`` seeds
(``AISCI_SEED=1..N``), and the record keeps their mean and spread. Every node runs in its own
work folder (``.search/node_<id>/``, the template's files with the node's experiment.py)
through ``ctx.executor``, up to ``--parallel`` at once; its run folder then lands in the idea
folder as ``run_<id>/`` beside its snapshot ``run_<id>.py``, and ``state.json`` records it as
``run_<id>`` like a linear run, so plots, paper and ``aisci check`` read it as any run.

One job per module: ``record.py`` starts or resumes the record and chooses the metric,
``expand.py`` selects the next expansion (the rule above) and records the scientist's
child, ``loop.py`` runs nodes in parallel and records their results, ``runs.py``
runs one node in its work folder, and ``seeds.py`` confirms the best node over seeds.
This module is the stage: it puts them in order and finishes (``experiment.py`` becomes the
best variant, the tree is drawn, the stage recorded).
"""

from __future__ import annotations

from pathlib import Path

from aisci.core.atomic import write_text_atomic
from aisci.core.context import Context
from aisci.core.events import StageFinished, StageStarted
from aisci.core.experiments import ExperimentsOutcome, history_from_state
from aisci.core.notes import write_notes
from aisci.core.scientist import Scientist
from aisci.core.search.expand import Expansions
from aisci.core.search.figure import draw_tree
from aisci.core.search.loop import run_nodes
from aisci.core.search.record import load_search_tree, node_code, search_metric, start_search
from aisci.core.search.seeds import confirm_best, confirmation_words
from aisci.core.search.tree import Node, Tree
from aisci.core.state import State
from aisci.execution import safefs


def run_search(folder: Path, scientist: Scientist, ctx: Context) -> ExperimentsOutcome:
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
    tree = start_search(folder, scientist, ctx)
    metric = search_metric(tree)
    run_nodes(folder, ctx, metric, Expansions(folder, scientist, ctx, metric).next_expansion)
    tree = load_search_tree(folder)
    best = tree.best(metric.better)
    if best is None:
        return _finish(folder, ctx, ok=False, message="no node finished, not even the baseline")
    confirm_best(folder, ctx, metric, best)
    tree = load_search_tree(folder)
    # The paper describes the best variant.
    write_text_atomic(folder / "experiment.py", node_code(folder, best.id))
    safefs.remove(folder / ".search", root=folder)
    _draw(folder, tree)
    ran = [n for n in tree.search_nodes() if n.run]
    failed = sum(n.status == "failed" for n in ran)
    repeats = sum(n.status == "duplicate" for n in tree.search_nodes())
    return _finish(
        folder,
        ctx,
        ok=True,
        best=best,
        message=(
            f"{len(ran)} node(s), {failed} failed"
            + (f", {repeats} duplicate(s) of an earlier node not run" if repeats else "")
            + f"; best run_{best.id} ({metric.name} {best.metric:.4g})"
            + confirmation_words(tree)
        ),
    )


def _draw(folder: Path, tree: Tree) -> None:
    try:
        draw_tree(tree, folder / "search_tree.png")
    except ImportError:  # matplotlib is not installed: the record is still complete
        return


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
