"""``tree.json``: the record of a search over experiment variants (design.md §8, "The search").

A node is one variant of experiment.py: its parent, its kind (``root`` is the baseline run_0;
``draft`` a variant of the baseline, ``improve`` a child of a good node, ``debug`` a child of a
failed node, ``seed`` a re-run of the best node with another seed), a short description, its
code as a unified diff from its parent's, the run that measured it, the metric value, and its
status (``pending`` -> ``running`` -> ``done`` | ``failed``; ``pruned`` by a person or the
limits; ``duplicate``: its code is byte for byte an earlier node's, named by ``duplicate_of``,
so it was not run and has no run folder). A node's id is its run index: node 3 ran as
``run_3/`` from the snapshot ``run_3.py``. A linear search writes the same record as a chain;
both start from the same root (the baseline ``run_0``), which ``root_node`` alone builds.

The file is rewritten whole and atomically (core/atomic.py) after every change, as a
read-modify-write under a lock per file, so a pin or prune from the editor while a search runs
is never lost; one process writes an idea folder at a time (core/locks.py). After a kill,
``running`` nodes go back to ``pending`` (their code is in their snapshot) and finished nodes
are never run again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from aisci.core.atomic import write_json_atomic
from aisci.core.metric import Metric, declared_metric, first_metric
from aisci.core.proposals import text_hash, unified_diff
from aisci.errors import StateError
from aisci.execution import safefs
from aisci.execution.final_info import load_final_info

TREE_FILE = "tree.json"
KINDS = ("root", "draft", "improve", "debug", "seed")
STATUSES = ("pending", "running", "done", "failed", "pruned", "duplicate")
_locks: dict[str, threading.RLock] = {}
_guard = threading.Lock()


def _lock(folder: Path) -> threading.RLock:
    with _guard:
        return _locks.setdefault(str(Path(folder).absolute()), threading.RLock())


@dataclass(frozen=True)
class Node:
    id: int
    parent: int | None
    kind: str
    description: str
    status: str = "pending"
    diff: str = ""  # unified diff of experiment.py from the parent's code
    code_hash: str = ""
    metric: float | None = None
    means: dict[str, dict[str, float]] = field(default_factory=dict)
    error: str | None = None
    note: str | None = (
        None  # what the record must say besides (a scientist's limit, a person's prune)
    )
    pinned: bool = False
    pruned: bool = False  # a person's prune: never expanded (and not run, if it had not run)
    seed: int | None = None  # the AISCI_SEED of a seed node
    depth: int = 0  # debug steps from the last node that ran without a fix
    duplicate_of: int | None = None  # the earlier node whose code this one repeated

    @property
    def ran_code(self) -> bool:
        """Whether the node has (or will have) its own run: it has code that repeats no node."""
        return bool(self.code_hash) and self.status != "duplicate"

    @property
    def run(self) -> str | None:
        """The run folder of a node that has (or will have) one; a node that runs nothing has none."""
        return f"run_{self.id}" if self.ran_code else None

    @property
    def code_file(self) -> str | None:
        return f"run_{self.id}.py" if self.ran_code else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "run": self.run, "code": self.code_file}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Node:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Tree:
    search: str  # "tree" or "linear"
    nodes: tuple[Node, ...] = ()
    metric: dict[str, Any] | None = None  # core.metric.Metric.to_dict()
    settings: dict[str, Any] = field(default_factory=dict)  # limits and the exploration rule
    confirmation: dict[str, Any] | None = None  # seeds of the best node, their mean and spread
    notes: tuple[str, ...] = ()

    def node(self, node_id: int) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def children(self, node_id: int) -> list[Node]:
        return [n for n in self.nodes if n.parent == node_id]

    def next_id(self) -> int:
        return max((n.id for n in self.nodes), default=-1) + 1

    def with_node(self, node: Node) -> Tree:
        others = [n for n in self.nodes if n.id != node.id]
        return replace(self, nodes=tuple(sorted([*others, node], key=lambda n: n.id)))

    def search_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.kind not in ("root", "seed")]

    def best(self, better: Callable[[float, float], bool]) -> Node | None:
        """The done node (root included, seeds excluded) with the best metric; ties go to the older."""
        best: Node | None = None
        best_metric = 0.0  # best's metric, read only once best is set
        for n in self.nodes:
            if n.kind == "seed" or n.status != "done" or n.metric is None:
                continue
            if best is None or better(n.metric, best_metric):
                best, best_metric = n, n.metric
        return best

    def path_to(self, node_id: int) -> list[int]:
        path: list[int] = []
        current: int | None = node_id
        while current is not None:
            path.append(current)
            current = self.node(current).parent
        return path[::-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "search": self.search,
            "metric": self.metric,
            "settings": self.settings,
            "nodes": [n.to_dict() for n in self.nodes],
            "confirmation": self.confirmation,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tree:
        return cls(
            data.get("search", "tree"),
            tuple(Node.from_dict(n) for n in data.get("nodes", [])),
            data.get("metric"),
            dict(data.get("settings") or {}),
            data.get("confirmation"),
            tuple(data.get("notes") or ()),
        )


def code_diff(parent: str, child: str) -> str:
    return unified_diff("experiment.py", parent, child)


def diff_summary(diff: str, limit: int = 240) -> str:
    """What a diff changed, in one line: its removed and added lines (``-old +new; ...``),
    cut at ``limit`` characters; "no change" for an empty diff."""
    parts, in_hunk = [], False
    for line in diff.splitlines():
        in_hunk = in_hunk or line.startswith("@@")  # the ---/+++ file names come before
        if not in_hunk or line[:1] not in ("-", "+"):
            continue
        text = " ".join(line[1:].split())
        if text:
            parts.append(f"{line[0]}{text}")
    summary = "; ".join(parts) or "no change"
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"


def same_code(tree: Tree, code_hash: str) -> Node | None:
    """The earliest node (the baseline included, seeds and duplicates not) whose code has
    ``code_hash``: a proposal with that code would measure the same thing again."""
    for n in tree.nodes:
        if n.code_hash == code_hash and n.kind != "seed" and n.status != "duplicate":
            return n
    return None


def root_node(code: str, baseline: dict[str, dict[str, float]], metric: Metric | None) -> Node:
    """The root of every record, linear or tree: the baseline ``run_0``, done, with ``code`` (its
    snapshot's text) hashed so a proposal repeating it is a duplicate, and run_0's means."""
    return Node(
        0,
        None,
        "root",
        "the baseline (the template's experiment.py)",
        "done",
        code_hash=text_hash(code),
        metric=metric.value(baseline) if metric else None,
        means=baseline,
    )


def load_tree(folder: Path) -> Tree | None:
    path = Path(folder) / TREE_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Tree.from_dict(data)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as e:
        raise StateError(
            f"The search record {path} cannot be read: {e}.",
            "It is only ever replaced whole, so it was changed by hand: restore it, or delete it "
            "(and the idea's experiments step in state.json) to search again.",
        ) from None


def save_tree(folder: Path, tree: Tree) -> None:
    with _lock(folder):
        write_json_atomic(Path(folder) / TREE_FILE, tree.to_dict())


def update_tree(folder: Path, change: Callable[[Tree], Tree], *, search: str = "tree") -> Tree:
    """Read the record, apply ``change``, write it back, under the file's lock; the new record."""
    with _lock(folder):
        tree = load_tree(folder) or Tree(search)
        new = change(tree)
        save_tree(folder, new)
        return new


def set_node(folder: Path, node_id: int, **changes: Any) -> Tree:
    return update_tree(folder, lambda t: t.with_node(replace(t.node(node_id), **changes)))


def steer(folder: Path, node_id: int, action: str) -> Tree:
    """A person's steering: ``pin`` (expand this node next), ``unpin``, or ``prune`` (never expand
    it; a node not yet run is not run)."""

    def change(tree: Tree) -> Tree:
        node = tree.node(node_id)
        if action == "pin":
            return tree.with_node(replace(node, pinned=True))
        if action == "unpin":
            return tree.with_node(replace(node, pinned=False))
        if action == "prune":
            status = "pruned" if node.status == "pending" else node.status
            return tree.with_node(replace(node, status=status, pinned=False, pruned=True))
        raise StateError(f"Unknown steering action {action!r}.", "Use pin, unpin or prune.")

    return update_tree(folder, change)


def record_linear(
    folder: Path,
    index: int,
    description: str,
    *,
    ok: bool,
    means: dict | None = None,
    error: str | None = None,
) -> Tree:
    """The linear loop's run ``index`` as the next link of a chain (its parent: the run before).

    Each linear run edits the code the run before left, so the chain is its ancestry; the
    metric is the template's declared one, else the first metric of run_0.
    """
    folder = Path(folder)

    def code(i: int) -> str:
        path = folder / f"run_{i}.py"
        return safefs.read_text(path, root=folder) if safefs.is_file(path, root=folder) else ""

    def change(tree: Tree) -> Tree:
        tree = replace(tree, search="linear")
        if tree.metric is None:
            baseline = load_final_info(folder / "run_0" / "final_info.json").means()
            metric = declared_metric(folder) or first_metric(
                baseline, "the first metric of run_0's final_info.json (the template declares none)"
            )
            tree = replace(tree, metric=metric.to_dict() if metric else None)
            if not any(n.id == 0 for n in tree.nodes):
                tree = tree.with_node(root_node(code(0) or "baseline", baseline, metric))
        metric = Metric.from_dict(tree.metric) if tree.metric else None
        parent = max((n.id for n in tree.nodes if n.id < index), default=0)
        mine = code(index)
        node = Node(
            index,
            parent,
            "draft" if parent == 0 else "improve",
            description,
            "done" if ok else "failed",
            diff=code_diff(code(parent), mine),
            code_hash=text_hash(mine or description),
            metric=metric.value(means or {}) if metric and ok else None,
            means=means or {},
            error=error,
        )
        return tree.with_node(node)

    return update_tree(folder, change, search="linear")
