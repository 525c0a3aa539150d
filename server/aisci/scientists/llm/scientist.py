"""The LLM scientist: every decision of the cycle comes from a model (see core/scientist.py).

This class holds what all its decisions share: one model client per command (its ledgers,
cost events, cassettes; see session.py) and one literature search. Each decision is a short
method that hands over to the module of its stage (ideas.py, novelty.py, ...), so a stage's
prompts, schemas and loop live together and the class stays a table of contents.
"""

from __future__ import annotations

import logging
import threading

from aisci.core.ideas import Idea
from aisci.core.scientist import RunJob, Verdict
from aisci.core.template import Template

from . import citations as citation_stage
from . import experiments as experiment_stage
from . import ideas as idea_stage
from . import novelty as novelty_stage
from . import paper as paper_stage
from . import reviewing
from .session import open_client

log = logging.getLogger(__name__)


class LLMScientist:
    kind = "llm"

    def __init__(self, template: Template, ctx, *, literature=None, **llm_options):
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

    @property
    def literature(self):
        """One literature search per scientist, made on first use (--engine first)."""
        with self._literature_lock:
            if self._literature is None:
                from aisci.scientists import literature_for

                self._literature = literature_for(self._ctx)
            return self._literature

    def close(self) -> None:
        """Close the literature search this scientist made (its cache); idempotent."""
        with self._literature_lock:
            if self._owns_literature and self._literature is not None:
                self._literature.close()
                self._literature = None

    # -- stage 2: ideas ------------------------------------------------------------------
    def generate_ideas(
        self, template: Template, archive: list[Idea], num_ideas: int, ctx
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
    def judge_novelty(self, template: Template, idea: Idea, ctx) -> Verdict:
        return novelty_stage.judge(self.client, self.literature, idea, ctx.settings.novelty_rounds)

    # -- stages 4-5: experiments and plots (experiments.py) ------------------------------
    def propose_run(self, job: RunJob, feedback: str | None, ctx):
        return experiment_stage.propose_run(self, job, feedback, ctx)

    def propose_fix(self, job: RunJob, failure, feedback: str | None, ctx):
        return experiment_stage.propose_fix(self, job, failure, feedback, ctx)

    def describe_run(self, job: RunJob, result) -> str:
        return experiment_stage.describe_run(self, job, result)

    def propose_plots(self, job: RunJob, feedback: str | None, ctx):
        return experiment_stage.propose_plots(self, job, feedback, ctx)

    def propose_plot_fix(self, job: RunJob, error: str, feedback: str | None, ctx):
        return experiment_stage.propose_plot_fix(self, job, error, feedback, ctx)

    def describe_figures(self, job: RunJob, figures: list[str]) -> dict[str, str]:
        return experiment_stage.describe_figures(self, job, figures)

    # -- the tree search and the figures read by a vision model (search.py) -------------
    def propose_node(self, job, parent, kind, feedback, ctx):
        from . import search

        return search.propose_node(self, job, parent, kind, feedback, ctx)

    def choose_metric(self, folder, baseline, ctx):
        from . import search

        return search.choose_metric(self, folder, baseline, ctx)

    def critique_figures(self, job, figures, ctx):
        from . import search

        return search.critique_figures(self, job, figures, ctx)

    # -- stages 6-9: the paper (paper.py, reviewing.py) ----------------------------------
    def propose_section(self, job, section, feedback, ctx):
        return paper_stage.propose_section(self, job, section, feedback, ctx)

    def propose_refinement(self, job, section, feedback, ctx):
        return paper_stage.propose_refinement(self, job, section, feedback, ctx)

    def find_citations(self, job, ctx) -> str:
        return citation_stage.find_citations(self, job, ctx)

    def propose_paper_fix(self, job, diagnostics, feedback, ctx):
        return paper_stage.propose_paper_fix(self, job, diagnostics, feedback, ctx)

    def review_paper(self, job, text, ctx) -> dict:
        return reviewing.review_paper(self, job, text, ctx)

    def propose_improvement(self, job, review, feedback, ctx):
        return paper_stage.propose_improvement(self, job, review, feedback, ctx)
