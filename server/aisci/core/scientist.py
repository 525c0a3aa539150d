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
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from aisci.core.ideas import Idea
from aisci.core.proposals import Proposal
from aisci.core.template import Template
from aisci.execution import safefs

if TYPE_CHECKING:
    from aisci.core.context import Context
    from aisci.core.diagnostics import Diagnostic
    from aisci.core.metric import Metric
    from aisci.core.search import Node, Tree
    from aisci.execution.final_info import FinalInfo
    from aisci.execution.runner import RunResult


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
    """What a scientist sees when it expands a node of the search tree (core/search/)."""

    folder: Path
    idea: Idea
    template_name: str
    baseline: dict[str, dict[str, float]]
    tree: Tree  # the record as it stands
    metric: Metric  # the metric the search optimises
    max_nodes: int

    def code(self, node_id: int) -> str:
        """The experiment.py of a node (its snapshot run_<id>.py)."""
        return safefs.read_text(self.folder / f"run_{node_id}.py", root=self.folder)


@dataclass(frozen=True)
class PaperJob:
    """What a scientist sees when it writes, fixes, reviews or improves an idea's paper
    (paper/stages.py builds it from the idea folder)."""

    folder: Path
    idea: Idea
    runs: tuple[RunRecord, ...]
    figures: dict[str, str]  # figure file -> description from the plots stage
    template_name: str
    task: str
    scale: str | None

    @property
    def tex(self) -> Path:
        return self.folder / "latex" / "template.tex"

    @property
    def bib(self) -> Path:
        return self.folder / "latex" / "references.bib"

    @property
    def pdf(self) -> Path:
        return self.folder / f"{self.idea.name}.pdf"


class Scientist(Protocol):
    """Every decision a stage asks of a scientist. Both scientists implement all of it;
    scientists/__init__.py has mypy check each against it (and against the capabilities below
    that it has)."""

    kind: str  # "llm" or "sweep": the stages name it in messages and in the record

    # -- stages 2-3: ideas and novelty (core/ideation.py) ---------------------------------
    def generate_ideas(
        self, template: Template, archive: list[Idea], num_ideas: int, ctx: Context
    ) -> list[Idea]: ...

    def judge_novelty(self, template: Template, idea: Idea, ctx: Context) -> Verdict: ...

    # -- stage 4: experiments (core/experiments.py) ---------------------------------------
    def propose_run(self, job: RunJob, feedback: str | None, ctx: Context) -> Proposal | None: ...

    def propose_fix(
        self, job: RunJob, failure: RunResult, feedback: str | None, ctx: Context
    ) -> Proposal | None: ...

    def describe_run(self, job: RunJob, results: FinalInfo) -> str:
        """The notes on a run that finished, from its final_info.json."""
        ...

    # -- stage 5: plots (core/plots.py) ---------------------------------------------------
    def propose_plots(self, job: RunJob, feedback: str | None, ctx: Context) -> Proposal | None: ...

    def propose_plot_fix(
        self, job: RunJob, error: str, feedback: str | None, ctx: Context
    ) -> Proposal | None: ...

    def describe_figures(self, job: RunJob, figures: list[str]) -> dict[str, str]: ...

    # The tree search (core/search/). ``kind`` is "draft" (parent: the baseline), "improve" (a
    # done node) or "debug" (a failed node); experiment.py holds the parent's code when it is
    # called, and the proposal is an edit of it. None: nothing (more) to try from this parent.
    def propose_node(
        self, job: NodeJob, parent: Node, kind: str, feedback: str | None, ctx: Context
    ) -> Proposal | None: ...

    # -- stages 6-9: the paper (paper/stages.py) ------------------------------------------
    # Each proposal is an edit of latex/template.tex; None: nothing (more) to propose.
    def propose_section(
        self, job: PaperJob, section: str, feedback: str | None, ctx: Context
    ) -> Proposal | None: ...

    def find_citations(self, job: PaperJob, ctx: Context) -> str:
        """BibTeX of the papers to add to references.bib ("" for none)."""
        ...

    def propose_paper_fix(
        self, job: PaperJob, diagnostics: list[Diagnostic], feedback: str | None, ctx: Context
    ) -> Proposal | None: ...

    def review_paper(self, job: PaperJob, text: str, ctx: Context) -> dict[str, Any]:
        """One review of the paper's ``text`` (paper/review.py's form: a model's, or a
        checklist)."""
        ...

    def propose_improvement(
        self, job: PaperJob, review: dict[str, Any], feedback: str | None, ctx: Context
    ) -> Proposal | None: ...


# Capabilities only one scientist has. A stage asks ``isinstance(scientist, Refines)`` and does
# without the step otherwise (it is not a step that returns None: a step skipped is not recorded).


@runtime_checkable
class Refines(Protocol):
    """A second, critical pass over each drafted section (the LLM scientist)."""

    def propose_refinement(
        self, job: PaperJob, section: str, feedback: str | None, ctx: Context
    ) -> Proposal | None: ...


@runtime_checkable
class DescribesEdits(Protocol):
    """Describes a run from the text a person's edit of its proposal really ran (the sweep
    scientist: the knobs' values in it)."""

    def describe_edit(self, job: RunJob, proposal: Proposal, written: str) -> str: ...


@runtime_checkable
class CritiquesFigures(Protocol):
    """Reads the figures with a vision model: {figure: {"shows", "problems"}}, or None when its
    model cannot see images (the LLM scientist)."""

    def critique_figures(
        self, job: RunJob, figures: list[str], ctx: Context
    ) -> dict[str, dict[str, Any]] | None: ...


@runtime_checkable
class ChoosesMetric(Protocol):
    """Chooses the search's metric among run_0's means when the template declares none (the
    LLM scientist); None: no usable choice."""

    def choose_metric(
        self, folder: Path, baseline: dict[str, dict[str, float]], ctx: Context
    ) -> Metric | None: ...
