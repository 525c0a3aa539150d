"""Who decides: the scientist interface, and the values its decisions are made from.

Every decision of the cycle (which ideas, novel or not, which code change, what prose, what
score) comes from a scientist: the LLM scientist (a model, prompts, aider) or the sweep
scientist (deterministic, no model). Stages call these methods and own everything else:
running, recording, resuming, reviewing proposals. Methods that propose an edit receive the
``feedback`` of a person who rejected the previous proposal (None the first time) and may
return None to say "nothing more to do".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aisci.core.ideas import Idea
from aisci.core.proposals import Proposal
from aisci.core.template import Template


@dataclass(frozen=True)
class Verdict:
    """A novelty verdict and the kind of judgement behind it (design.md §8, "Honest labels").

    Only a verdict reached against papers by a model says ``novel`` True or False. Without a
    model the idea is ``unchecked`` (``novel`` None): the closest papers found are kept, and
    ``reason`` says why nothing was judged (no model, or no literature source answered).
    """

    novel: bool | None
    reason: str
    kind: str = "model"  # "model" or "unchecked"
    local_only: bool = False  # reached with the local corpus alone
    queries: tuple[str, ...] = ()
    papers: tuple[dict[str, Any], ...] = ()  # the papers that decided it (title, year, venue, url)
    papers_seen: int = 0
    no_source: bool = False  # no literature source answered

    @property
    def label(self) -> str:
        if self.novel is None:
            return "unchecked" + (
                " (no literature source answered)" if self.no_source else " (no model)"
            )
        word = "novel" if self.novel else "not novel"
        return word + (" (local corpus only)" if self.local_only else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "novel": self.novel,
            "reason": self.reason,
            "kind": self.kind,
            "local_only": self.local_only,
            "label": self.label,
            "queries": list(self.queries),
            "papers": list(self.papers),
            "papers_seen": self.papers_seen,
            "no_source": self.no_source,
        }


@dataclass(frozen=True)
class RunRecord:
    """One finished or failed run, as the scientist sees it in later decisions."""

    run: str
    description: str
    means: dict[str, dict[str, float]] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class RunJob:
    folder: Path
    idea: Idea
    template_name: str
    baseline: dict[str, dict[str, float]]
    history: tuple[RunRecord, ...]
    run_index: int  # the run being prepared (1-based)
    max_runs: int

    @property
    def finished_runs(self) -> tuple[RunRecord, ...]:
        return tuple(r for r in self.history if r.error is None)


@dataclass(frozen=True)
class NodeJob:
    """What a scientist sees when it expands a node of the search tree (core/search.py)."""

    folder: Path
    idea: Idea
    template_name: str
    baseline: dict[str, dict[str, float]]
    tree: Any  # core.tree.Tree, the record as it stands
    metric: Any  # core.metric.Metric the search optimises
    max_nodes: int

    def code(self, node_id: int) -> str:
        """The experiment.py of a node (its snapshot run_<id>.py)."""
        from aisci.execution import safefs

        return safefs.read_text(self.folder / f"run_{node_id}.py", root=self.folder)


class Scientist(Protocol):
    kind: str

    def generate_ideas(
        self, template: Template, archive: list[Idea], num_ideas: int, ctx
    ) -> list[Idea]: ...

    def judge_novelty(self, template: Template, idea: Idea, ctx) -> Verdict: ...

    def propose_run(self, job: RunJob, feedback: str | None, ctx) -> Proposal | None: ...

    def propose_fix(self, job: RunJob, failure, feedback: str | None, ctx) -> Proposal | None: ...

    def describe_run(self, job: RunJob, result) -> str: ...

    def propose_plots(self, job: RunJob, feedback: str | None, ctx) -> Proposal | None: ...

    def propose_plot_fix(
        self, job: RunJob, error: str, feedback: str | None, ctx
    ) -> Proposal | None: ...

    def describe_figures(self, job: RunJob, figures: list[str]) -> dict[str, str]: ...

    # The tree search (core/search.py). ``kind`` is "draft" (parent: the baseline), "improve" (a
    # done node) or "debug" (a failed node); experiment.py holds the parent's code when it is
    # called, and the proposal is an edit of it. None: nothing (more) to try from this parent.
    def propose_node(
        self, job: NodeJob, parent, kind: str, feedback: str | None, ctx
    ) -> Proposal | None: ...
