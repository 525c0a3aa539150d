"""The LLM scientist: every decision of the cycle comes from a model (see core/scientist.py).

This class holds what all its decisions share: one model client per command (its ledgers,
cost events, cassettes; see session.py), one literature search, and the code edit it proposed
last in each idea folder (code_edits.py), which the next instruction names when a person
rejects it. Each decision is a short method that hands over to the module of its stage
(ideas.py, novelty.py, ...), so a stage's prompts, schemas and loop live together and the class
stays a table of contents. A stage gets only what it uses: the client, the template, a
literature search, or the ``EditSession`` of the stages that have aider edit code.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.core.ideas import Idea
from aisci.core.proposals import Proposal
from aisci.core.scientist import NodeJob, PaperJob, RunJob, Verdict
from aisci.core.template import Template
from aisci.errors import ConfigError
from aisci.scientists.sources import literature_for

from . import citations as citation_stage
from . import (
    drafting,
    fixes,
    improvement,
    notes,
    paper_fixes,
    plots,
    refinement,
    reviewing,
    runs,
    search,
)
from . import ideas as idea_stage
from . import novelty as novelty_stage
from .code_edits import EditSession, LastProposals
from .session import open_client

if TYPE_CHECKING:
    from aisci.core.context import Context
    from aisci.core.diagnostics import Diagnostic
    from aisci.core.metric import Metric
    from aisci.core.search import Node
    from aisci.execution.final_info import FinalInfo
    from aisci.execution.runner import RunResult
    from aisci.literature import Literature, SearchResult

log = logging.getLogger(__name__)


class LLMScientist:
    kind = "llm"

    def __init__(
        self,
        template: Template | None,
        ctx: Context,
        *,
        literature: Literature | None = None,
        **llm_options: Any,
    ) -> None:
        # No template: a review of any PDF (aisci review PAPER.pdf), which needs none.
        self.template = template
        self._ctx = ctx
        self.session = open_client(
            template.name if template is not None else "reviews", ctx, **llm_options
        )
        self.client = self.session.client
        self._literature = literature
        self._owns_literature = literature is None
        self._literature_lock = threading.Lock()
        # Ideas this scientist proposed in this command: one that core dropped as a repeat is
        # not in the archive, and the model should hear about it anyway.
        self._proposed: list[Idea] = []
        # The code edit it proposed last in each idea folder, named when a person rejects it.
        self.last_proposals = LastProposals()
        self._edits = EditSession(self.client, self.last_proposals)

    def own_template(self) -> Template:
        """The template whose experiment the run stages edit (a PDF review's scientist has none)."""
        if self.template is None:
            raise ConfigError(
                "This LLM scientist was made to review a PDF and has no template; the run stages "
                "need one: make it with the template (aisci.scientists.make_scientist)."
            )
        return self.template

    @property
    def literature(self) -> Literature:
        """One literature search per scientist, made on first use (--engine first)."""
        with self._literature_lock:
            if self._literature is None:
                self._literature = literature_for(self._ctx)
            return self._literature

    def _search_literature(self, query: str, limit: int) -> SearchResult:
        """A search of ``literature``, which is made only when a stage searches."""
        return self.literature.search(query, limit=limit)

    def close(self) -> None:
        """Close the literature search this scientist made (its cache); idempotent."""
        with self._literature_lock:
            if self._owns_literature and self._literature is not None:
                self._literature.close()
                self._literature = None

    # -- stage 2: ideas ------------------------------------------------------------------
    def generate_ideas(
        self, template: Template, archive: list[Idea], num_ideas: int, ctx: Context
    ) -> list[Idea]:
        new: list[Idea] = []
        for _ in range(num_ideas):
            ctx.check_cancelled("Idea generation")
            names = {i.name for i in archive}
            taken = list(archive) + [i for i in self._proposed if i.name not in names]
            idea = idea_stage.draft_idea(self.client, template, taken, ctx.settings.num_reflections)
            self._proposed.append(idea)
            new.append(idea)
        return new

    # -- stage 3: novelty ----------------------------------------------------------------
    def judge_novelty(self, template: Template, idea: Idea, ctx: Context) -> Verdict:
        return novelty_stage.judge(self.client, self.literature, idea, ctx.settings.novelty_rounds)

    # -- stages 4-5: experiments and plots (runs.py, fixes.py, plots.py, notes.py) -------
    def propose_run(self, job: RunJob, feedback: str | None, ctx: Context) -> Proposal | None:
        return runs.propose_run(self._edits, self.own_template(), job, feedback, ctx)

    def propose_fix(
        self, job: RunJob, failure: RunResult, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return fixes.propose_fix(self._edits, job, failure, feedback, ctx)

    def describe_run(self, job: RunJob, results: FinalInfo) -> str:
        return notes.describe_run(job, results)

    def propose_plots(self, job: RunJob, feedback: str | None, ctx: Context) -> Proposal | None:
        return plots.propose_plots(self._edits, job, feedback, ctx)

    def propose_plot_fix(
        self, job: RunJob, error: str, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return plots.propose_plot_fix(self._edits, job, error, feedback, ctx)

    def describe_figures(self, job: RunJob, figures: list[str]) -> dict[str, str]:
        return notes.describe_figures(self.client, job, figures)

    # -- the tree search and the figures read by a vision model (search.py) -------------
    def propose_node(
        self, job: NodeJob, parent: Node, kind: str, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return search.propose_node(
            self._edits, self.own_template(), job, parent, kind, feedback, ctx
        )

    def choose_metric(
        self, folder: Path, baseline: dict[str, dict[str, float]], ctx: Context
    ) -> Metric | None:
        return search.choose_metric(self.client, folder, baseline)

    def critique_figures(
        self, job: RunJob, figures: list[str], ctx: Context
    ) -> dict[str, dict[str, Any]] | None:
        return search.critique_figures(self.client, job, figures, ctx)

    # -- stages 6-9: the paper ----------------------------------------------------------
    # drafting.py, refinement.py, citations.py, paper_fixes.py, reviewing.py, improvement.py
    def propose_section(
        self, job: PaperJob, section: str, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return drafting.propose_section(self.client, job, section, feedback)

    def propose_refinement(
        self, job: PaperJob, section: str, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return refinement.propose_refinement(self.client, job, section, feedback)

    def find_citations(self, job: PaperJob, ctx: Context) -> str:
        return citation_stage.find_citations(self.client, self._search_literature, job, ctx)

    def propose_paper_fix(
        self, job: PaperJob, diagnostics: list[Diagnostic], feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return paper_fixes.propose_paper_fix(self.client, job, diagnostics, feedback)

    def review_paper(self, job: PaperJob | None, text: str, ctx: Context) -> dict[str, Any]:
        """``job`` None: any PDF's text (aisci review PAPER.pdf), not an idea's paper."""
        return reviewing.review_paper(self.client, job, text, ctx)

    def propose_improvement(
        self, job: PaperJob, review: dict[str, Any], feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return improvement.propose_improvement(self.client, job, review, feedback)
