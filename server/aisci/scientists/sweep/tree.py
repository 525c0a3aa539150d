"""The sweep scientist on the search tree: deterministic, no model.

- draft (from the baseline): one-factor changes, knob by knob in the order of knobs.json, each
  candidate value other than the baseline's;
- improve (a done node): first *around* its value when it changed one knob (one step further
  from the baseline in the same direction, then halfway back: the geometric mean for numbers),
  then *combine* it with the best value of every other knob whose best draft beat the baseline;
- debug (a failed node): nothing. The sweep changes constants and cannot repair code; the search
  records that in a debug node that runs nothing.

A node's settings are read from its code (the knobs' constants), so a person's edit of a
proposal counts as what ran.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from aisci.core.ideas import Idea
from aisci.core.proposals import Proposal
from aisci.core.scientist import NodeJob, RunJob
from aisci.core.search import Node
from aisci.core.template import Knob, Template

from .edits import knob_values, set_knob


def tree_idea(template: Template) -> Idea:
    knobs = ", ".join(k.constant for k in template.knobs)
    return Idea(
        name=f"search_{re.sub(r'[^a-z0-9_]+', '_', template.name.lower())}",
        title=f"A tree search over the knobs of {template.name.replace('_', ' ')}: one-factor drafts, local "
        "improvements and combinations, confirmed over seeds",
        experiment=f"Starting from the baseline, change one of {knobs} at a time (drafts), then move around the best "
        "value of each knob and combine the best values (improvements), selecting best-first on the "
        "template's primary metric; re-run the best variant with several seeds.",
        interestingness=3,
        feasibility=10,
        novelty=2,
        extra={
            "search": "tree",
            "knobs": [k.name for k in template.knobs],
            "generated_by": "sweep scientist",
        },
    )


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _like(value: float, example: Any) -> Any:
    return round(value) if isinstance(example, int) else float(f"{value:.4g}")


def around(base: Any, best: Any) -> list[Any]:
    """Values around ``best`` (a change from ``base``): one step further, then halfway back."""
    if not (_numeric(base) and _numeric(best)) or base == best:
        return []
    if base > 0 and best > 0:
        further, half = best * best / base, math.sqrt(best * base)
    else:
        further, half = best + (best - base), (best + base) / 2
    return [v for v in (_like(further, best), _like(half, best)) if v not in (base, best)]


def _fmt(changes: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in changes.items())


class SweepTree:
    """The decisions; ``SweepScientist.propose_node`` delegates here."""

    def __init__(self, template: Template):
        self.template = template
        # (folder, changes) a person rejected; a change is a (constant, value) pair
        self.rejected: set[tuple[str, frozenset[tuple[str, Any]]]] = set()
        self.last: dict[str, frozenset[tuple[str, Any]]] = {}

    def knob(self, constant: str) -> Knob:
        return next(k for k in self.template.knobs if k.constant == constant)

    def changes(self, job: NodeJob, node_id: int, base: dict[str, Any]) -> dict[str, Any]:
        values = knob_values(self.template, job.code(node_id))
        return {c: v for c, v in values.items() if base.get(c) != v}

    def propose(
        self, job: NodeJob, parent: Node, kind: str, feedback: str | None
    ) -> Proposal | None:
        folder = str(job.folder)
        if feedback is not None and folder in self.last:
            self.rejected.add((folder, self.last[folder]))
        if kind == "debug":
            return None
        base = knob_values(self.template, job.code(0))
        tried = {
            frozenset(self.changes(job, n.id, base).items())
            for n in job.tree.nodes
            if n.run and n.id != 0
        }
        tried |= {changes for f, changes in self.rejected if f == folder}
        for changes, why in self._candidates(job, parent, kind, base):
            key = frozenset(changes.items())
            if key in tried or not changes:
                continue
            self.last[folder] = key
            return self._proposal(job, changes, base, why)
        return None

    def _candidates(
        self, job: NodeJob, parent: Node, kind: str, base: dict[str, Any]
    ) -> Iterator[tuple[dict[str, Any], str]]:
        if kind == "draft":
            for knob in self.template.knobs:
                for value in knob.values:
                    if value != base.get(knob.constant):
                        yield {knob.constant: value}, f"baseline {base.get(knob.constant)!r}"
            return
        mine = self.changes(job, parent.id, base)
        if len(mine) == 1:
            ((constant, value),) = mine.items()
            for other in around(base.get(constant), value):
                yield (
                    {constant: other},
                    f"around the best value {value!r} of run_{parent.id}; baseline "
                    f"{base.get(constant)!r}",
                )
        for constant, value in self._best_drafts(job, base).items():
            if constant not in mine:
                yield (
                    {**mine, constant: value},
                    f"combining run_{parent.id} with the best {constant}",
                )

    def _best_drafts(self, job: NodeJob, base: dict[str, Any]) -> dict[str, Any]:
        """Each knob's best single-knob value among done nodes, if it beat the baseline."""
        metric, root = job.metric, job.tree.node(0).metric
        best: dict[str, tuple[float, Any]] = {}
        for node in job.tree.nodes:
            if node.status != "done" or node.metric is None or node.kind in ("root", "seed"):
                continue
            changes = self.changes(job, node.id, base)
            if len(changes) != 1:
                continue
            ((constant, value),) = changes.items()
            if root is not None and not metric.better(node.metric, root):
                continue
            if constant not in best or metric.better(node.metric, best[constant][0]):
                best[constant] = (node.metric, value)
        order = sorted(
            best.items(), key=lambda kv: -kv[1][0] if metric.direction == "max" else kv[1][0]
        )
        return {constant: value for constant, (_, value) in order}

    def _proposal(
        self, job: NodeJob, changes: dict[str, Any], base: dict[str, Any], why: str
    ) -> Proposal:
        source = (job.folder / "experiment.py").read_text(encoding="utf-8")  # the parent's code
        for constant, value in changes.items():
            source = set_knob(source, self.knob(constant), value)
        return Proposal.create(
            job.folder, "experiment.py", source, f"{_fmt(changes)} ({why})", "experiments"
        )

    def labels(self, job: RunJob) -> dict[str, str]:
        labels = {"run_0": "Baseline"}
        for record in job.finished_runs:
            if record.description.startswith("seed "):
                continue
            labels[record.run] = (
                f"{record.run}: {record.description.split(' (')[0].replace(' = ', '=')}"
            )
        return labels
