"""The search's next expansion: which node to expand how (the best-first rule), and the child
the scientist proposes for it.

``Expansions.next_expansion(tree)`` walks the candidates in the rule's order
(``record.RULE``; the module docstring of ``stage.py`` states it in full) and asks the
scientist for a child of each (``propose_node``, reviewed like any edit) until one is proposed;
that child is recorded pending with its snapshot ``run_<id>.py``, unless its code is byte for
byte an earlier node's: then it is recorded ``duplicate`` of that node and not run (it still
counts towards ``--max-nodes``: its proposal was paid for). A (parent, kind) the scientist
had nothing more for is not asked again in this search; a debug it could not propose is recorded
as a failed debug node that ran nothing. ``None``: nothing is left, or ``--max-nodes`` nodes ran
code or repeated one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aisci.core.atomic import write_text_atomic
from aisci.core.context import Context
from aisci.core.editing import reviewed_edit
from aisci.core.events import Log
from aisci.core.experiments import load_idea
from aisci.core.metric import Metric
from aisci.core.proposals import text_hash
from aisci.core.scientist import NodeJob, Scientist
from aisci.core.search.record import load_search_tree, node_code
from aisci.core.search.tree import Node, Tree, code_diff, same_code, set_node, update_tree
from aisci.core.state import State


class Expansions:
    """The next node to run, by the rule; remembers what the scientist had nothing more for."""

    def __init__(self, folder: Path, scientist: Scientist, ctx: Context, metric: Metric) -> None:
        self.folder, self.scientist, self.ctx, self.metric = folder, scientist, ctx, metric
        # (parent, kind) the scientist had nothing more for
        self.exhausted: set[tuple[int, str]] = set()

    def next_expansion(self, tree: Tree) -> Node | None:
        s = self.ctx.settings
        # A duplicate ran nothing but its proposal was paid for: it counts, so a model that keeps
        # proposing the same code cannot keep the search going.
        while (
            sum(1 for n in tree.search_nodes() if n.run or n.duplicate_of is not None) < s.max_nodes
        ):
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
            tree = load_search_tree(self.folder)
        return None

    def _candidates(self, tree: Tree) -> Iterator[tuple[Node, str]]:
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
        parent_code = node_code(folder, parent.id)
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
        node_id = load_search_tree(folder).next_id()
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
        twin = same_code(load_search_tree(folder), text_hash(written))
        if twin is not None:
            return self._duplicate(parent, kind, description, parent_code, written, twin, depth)
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

    def _duplicate(
        self,
        parent: Node,
        kind: str,
        description: str,
        parent_code: str,
        written: str,
        twin: Node,
        depth: int,
    ) -> Node:
        """Record a proposal whose code is ``twin``'s, byte for byte: it would measure the same
        thing again, so it is not run (no snapshot, no run folder) and points at ``twin``."""
        why = f"the same code as run_{twin.id}: not run again"
        node = Node(
            load_search_tree(self.folder).next_id(),
            parent.id,
            kind,
            description,
            "duplicate",
            diff=code_diff(parent_code, written),
            code_hash=text_hash(written),
            note=why,
            depth=depth,
            duplicate_of=twin.id,
        )
        update_tree(self.folder, lambda t: t.with_node(node))
        self.ctx.reporter.emit(
            Log(
                f"node {node.id} ({kind} of run_{parent.id}) repeats {why}",
                "warning",
                str(self.folder),
            )
        )
        return node
