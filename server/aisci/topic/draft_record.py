"""The record of a drafting: ``<template>/drafting/record.json`` and each node's folder.

Contract:
- A drafting is a small tree of nodes, numbered from 1: a ``draft`` (a fresh answer to the
  topic) or a ``debug`` (a fix of its failed ``parent``). Each node records its status
  (``pending`` until it finished, then ``passed``, ``failed`` or ``cancelled``), its error, the
  hash of its code, its model cost (None: unpriced) and its duration. ``winner`` names the
  node whose files became the template (or are waiting for the researcher's review, when the
  template folder has no experiment.py yet). A node the researcher rejected under
  review-edits is ``rejected``, the reason in its error (draft_review.py); ``review`` says how
  the winner was taken (``accepted``, or ``edited: <files>``).
- ``drafting/node_<i>/`` holds the node's work: ``files.json`` (the model's answer merged with
  its parent's), the candidate template ``<name>/``, its smoke run ``smoke/``, ``diff.patch``
  (a debug node's change against its parent), and its model calls (``cost.json``,
  ``.aisci/answers.jsonl``: llm/answer_store.py).
- Only the drafting loop writes the record, from one thread, atomically; a node that was
  ``pending`` when the process stopped is done again on resume (its paid answer replayed).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from aisci.core.atomic import write_json_atomic, write_text_atomic
from aisci.core.proposals import text_hash, unified_diff
from aisci.errors import ConfigError
from aisci.execution import safefs

FOLDER = "drafting"
RECORD = "record.json"
FINISHED = ("passed", "failed", "cancelled", "rejected")
VERSION = 1


@dataclass(frozen=True)
class DraftNode:
    id: int
    kind: str  # "draft" or "debug"
    parent: int | None = None
    status: str = "pending"
    error: str | None = None
    code_hash: str = ""
    cost_usd: float | None = 0.0
    duration_s: float = 0.0
    has_code: bool = False  # an answer gave files (a debug child can fix them)
    tried: str = ""  # a draft's task in brief; a debug node's change in one line
    review: str = ""  # the researcher's decision on a winner: accepted, edited: ..., rejected

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def label(self) -> str:
        return f"node {self.id} ({self.kind}" + (f" of node {self.parent})" if self.parent else ")")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DraftNode:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class DraftRecord:
    topic: str
    name: str
    model: str | None = None
    nodes: tuple[DraftNode, ...] = ()
    winner: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def node(self, node_id: int) -> DraftNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def with_node(self, node: DraftNode) -> DraftRecord:
        others = [n for n in self.nodes if n.id != node.id]
        return replace(self, nodes=tuple(sorted([*others, node], key=lambda n: n.id)))

    def next_id(self) -> int:
        return max((n.id for n in self.nodes), default=0) + 1

    def children(self, node_id: int) -> list[DraftNode]:
        return [n for n in self.nodes if n.parent == node_id]

    def depth(self, node_id: int) -> int:
        """Debug steps in a row that led to ``node_id`` (0 for a draft)."""
        node, steps = self.node(node_id), 0
        while node.parent is not None:
            steps, node = steps + 1, self.node(node.parent)
        return steps

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "topic": self.topic,
            "name": self.name,
            "model": self.model,
            "winner": self.winner,
            "nodes": [n.to_dict() for n in self.nodes],
            **({"notes": self.notes} if self.notes else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DraftRecord:
        return cls(
            topic=str(data.get("topic", "")),
            name=str(data.get("name", "")),
            model=data.get("model"),
            nodes=tuple(DraftNode.from_dict(n) for n in data.get("nodes", [])),
            winner=data.get("winner"),
            notes=dict(data.get("notes") or {}),
        )


def drafting_folder(template: Path) -> Path:
    return Path(template) / FOLDER


def node_folder(template: Path, node_id: int) -> Path:
    return drafting_folder(template) / f"node_{node_id}"


def load_record(template: Path) -> DraftRecord | None:
    """The record of the drafting of ``template``, or None where there is none."""
    path = drafting_folder(template) / RECORD
    if safefs.kind(path, root=Path(template)) is None:
        return None
    try:
        data = json.loads(safefs.read_text(path, root=Path(template), limit=8 << 20))
        return DraftRecord.from_dict(data)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"The drafting record {path} cannot be read: {exc}.",
            f"Remove the folder {Path(template)} to draft from the start.",
        ) from None


def save_record(template: Path, record: DraftRecord) -> None:
    write_json_atomic(drafting_folder(template) / RECORD, record.to_dict())


def save_files(template: Path, node_id: int, files: dict[str, Any]) -> None:
    write_json_atomic(node_folder(template, node_id) / "files.json", files)


def load_files(template: Path, node_id: int) -> dict[str, Any] | None:
    """A node's files (its merged answer), or None where it has none."""
    folder = node_folder(template, node_id)
    path = folder / "files.json"
    if safefs.kind(path, root=folder) is None:
        return None
    data = json.loads(safefs.read_text(path, root=folder, limit=8 << 20))
    return data if isinstance(data, dict) else None


def code_hash(files: dict[str, Any]) -> str:
    return text_hash(files.get("experiment_py", "") + "\0" + files.get("plot_py", ""))


def write_diff(template: Path, node_id: int, parent: dict[str, Any], child: dict[str, Any]) -> str:
    """``diff.patch`` of a debug node: what its experiment.py and plot.py changed."""
    diff = "".join(
        unified_diff(name, str(parent.get(key, "")), str(child.get(key, "")))
        for key, name in (("experiment_py", "experiment.py"), ("plot_py", "plot.py"))
    )
    write_text_atomic(node_folder(template, node_id) / "diff.patch", diff)
    return diff


def tried_lines(record: DraftRecord) -> str:
    """One line a node: what it was and how it ended (the message of a stopped drafting)."""
    lines = []
    for n in record.nodes:
        why = (n.error or "").strip().splitlines()
        end = n.status + (f": {why[0][:200]}" if why and n.status != "passed" else "")
        tried = f" (tried: {n.tried})" if n.tried else ""
        lines.append(f"  {n.label()}{tried}: {end}")
    return "\n".join(lines)
