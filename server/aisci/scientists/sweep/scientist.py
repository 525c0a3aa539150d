"""The sweep scientist: the whole cycle without a model.

Ideas are one-factor sweeps of the template's declared knobs (``knobs.json``): one idea per
knob, one run per candidate value other than the baseline's, everything else fixed. Each run's
edit is a real change of one constant in experiment.py, proposed through the same path as a
model's edit (so a person can review the diff); plots are a real edit of plot.py's labels.
Novelty is not judged (no model): each idea is "unchecked", with the closest papers a real
literature search found.
It is deterministic: the same template and results give the same decisions.
"""

from __future__ import annotations

import ast
import difflib
import logging
import re
from typing import TYPE_CHECKING, Any

from aisci.core.ideas import Idea
from aisci.core.proposals import Proposal
from aisci.core.scientist import NodeJob, PaperJob, RunJob, Verdict
from aisci.core.template import Knob, Template
from aisci.errors import AisciError
from aisci.literature import LiteratureUnavailable
from aisci.paper.sections import set_section
from aisci.scientists.sources import literature_for

from .checklist import checklist_review
from .report import SweepReport
from .tree_report import TreeReport

if TYPE_CHECKING:
    from aisci.core.context import Context
    from aisci.core.diagnostics import Diagnostic
    from aisci.core.search import Node
    from aisci.execution.final_info import FinalInfo
    from aisci.execution.runner import RunResult
    from aisci.literature import Literature

from .edits import format_value, knob_values, replace_labels, set_knob
from .tree import SweepTree, tree_idea

log = logging.getLogger(__name__)


class SweepScientist:
    kind = "sweep"

    def __init__(self, template: Template, literature: Literature | None = None):
        if not template.knobs:
            raise AisciError(
                f"The sweep scientist needs knobs, and template {template.name} declares none.",
                "Add a knobs.json to the template (see docs/templates.md), or use a model: --model NAME.",
            )
        self.template = template
        self._literature = literature
        self._rejected: set[tuple[str, str]] = set()  # (folder, value) a person rejected
        self._last: dict[str, str] = {}  # folder -> the value proposed last there
        self._tree = SweepTree(template)

    # -- ideas ---------------------------------------------------------------------------
    def knob_for(self, idea: Idea) -> Knob:
        name = idea.extra.get("knob")
        for knob in self.template.knobs:
            if knob.name == name:
                return knob
        raise AisciError(
            f"Idea {idea.name} names no knob of template {self.template.name}.",
            "The sweep scientist only runs the ideas it generated itself.",
        )

    def idea_for(self, knob: Knob) -> Idea:
        others = [v for v in knob.values if v != knob.current]
        listed = ", ".join(format_value(v) for v in others)
        return Idea(
            name=f"sweep_{re.sub(r'[^a-z0-9_]+', '_', knob.name.lower())}",
            title=f"Sensitivity of {self.template.name.replace('_', ' ')} to {knob.description}: "
            f"a one-factor sweep of {knob.constant}",
            experiment=f"Change only {knob.constant} in experiment.py, from its baseline value "
            f"{format_value(knob.current)} to each of {listed} (one run per value), keeping "
            "everything else fixed, and compare every metric with the baseline.",
            interestingness=3,
            feasibility=10,
            novelty=2,
            extra={
                "knob": knob.name,
                "constant": knob.constant,
                "baseline_value": knob.current,
                "values": others,
                "generated_by": "sweep scientist",
            },
        )

    def generate_ideas(
        self, template: Template, archive: list[Idea], num_ideas: int, ctx: Context
    ) -> list[Idea]:
        taken = {i.name for i in archive}
        if getattr(ctx.settings, "search", "linear") == "tree":
            return [
                i for i in [tree_idea(template)] if i.name not in taken
            ]  # one search over every knob
        ideas = [self.idea_for(k) for k in template.knobs]
        return [i for i in ideas if i.name not in taken][:num_ideas]

    # -- novelty -------------------------------------------------------------------------
    def judge_novelty(self, template: Template, idea: Idea, ctx: Context) -> Verdict:
        """Without a model nothing is judged: the idea is ``unchecked``, with the closest
        titles a literature search found (or a note that no source answered)."""

        if idea.extra.get("search") == "tree":
            query = f"{template.name.replace('_', ' ')} hyperparameter search"
        else:
            query = (
                f"{template.name.replace('_', ' ')} {self.knob_for(idea).description} sensitivity"
            )
        literature = self._literature or literature_for(ctx)
        try:
            result = literature.search(query, limit=10)
        except LiteratureUnavailable as e:
            return Verdict(
                None,
                f"Novelty unchecked: no literature source answered ({e.message}), and without a "
                "model nothing is judged.",
                kind="unchecked",
                queries=(query,),
                no_source=True,
            )
        finally:
            if self._literature is None:
                literature.close()
        scored = sorted(
            (
                (difflib.SequenceMatcher(None, p.title.lower(), idea.title.lower()).ratio(), p)
                for p in result.papers
            ),
            key=lambda sp: -sp[0],
        )
        papers = tuple(
            {
                "title": p.title,
                "year": p.year,
                "venue": p.venue,
                "url": p.url,
                "similarity": round(s, 2),
            }
            for s, p in scored[:3]
        )
        found = (
            f"the {len(papers)} closest of {len(result.papers)} papers found ({result.backend_used}) are "
            "listed for a person to judge"
            if papers
            else f"the search ({result.backend_used}) found no paper"
        )
        return Verdict(
            None,
            f"Novelty unchecked: without a model nothing is judged; {found}.",
            kind="unchecked",
            local_only=result.local_only,
            queries=(query,),
            papers=papers,
            papers_seen=len(result.papers),
        )

    # -- experiments ---------------------------------------------------------------------
    def _next_value(self, job: RunJob, knob: Knob) -> Any:
        done = {format_value(r_value) for r_value in self._values_run(job)}
        for value in job.idea.extra.get("values", [v for v in knob.values if v != knob.current]):
            key = format_value(value)
            if key not in done and (str(job.folder), key) not in self._rejected:
                return value
        return None

    @staticmethod
    def _values_run(job: RunJob) -> list[Any]:
        values = []
        for record in job.history:
            match = re.match(r"^\S+ = (.+?) \(baseline", record.description)
            if match:
                values.append(ast.literal_eval(match.group(1)))
        return values

    def propose_run(self, job: RunJob, feedback: str | None, ctx: Context) -> Proposal | None:
        knob = self.knob_for(job.idea)
        folder = str(job.folder)
        if feedback is not None and folder in self._last:
            self._rejected.add((folder, self._last[folder]))
        value = self._next_value(job, knob)
        if value is None:
            return None
        self._last[folder] = format_value(value)
        source = (job.folder / "experiment.py").read_text(encoding="utf-8")
        baseline = job.idea.extra.get("baseline_value", knob.current)
        return Proposal.create(
            job.folder,
            "experiment.py",
            set_knob(source, knob, value),
            f"{knob.constant} = {format_value(value)} (baseline {format_value(baseline)})",
            "experiments",
        )

    def describe_edit(self, job: RunJob, proposal: Proposal, written: str) -> str:
        """A run whose proposed edit a person changed: described from the constants in the
        text that ran (what the person chose), not from the proposal."""
        knob = self.knob_for(job.idea)
        ran, proposed, before = (
            knob_values(self.template, written),
            knob_values(self.template, proposal.proposed),
            knob_values(self.template, proposal.original),
        )
        baseline = job.idea.extra.get("baseline_value", knob.current)
        value = ran.get(knob.constant, "unknown")
        others = [
            f"{name} = {format_value(v)}"
            for name, v in ran.items()
            if name != knob.constant and before.get(name) != v
        ]
        note = f"a person's edit; proposed {format_value(proposed.get(knob.constant))}"
        if others:
            note += f"; the person also set {', '.join(others)}"
        return (
            f"{knob.constant} = {format_value(value)} (baseline {format_value(baseline)}; {note})"
        )

    def propose_fix(
        self, job: RunJob, failure: RunResult, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return None  # a sweep changes one constant; it cannot repair code

    def propose_node(
        self, job: NodeJob, parent: Node, kind: str, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return self._tree.propose(job, parent, kind, feedback)

    def describe_run(self, job: RunJob, results: FinalInfo) -> str:
        knob = self.knob_for(job.idea)
        changes = []
        for dataset, means in results.means().items():
            for metric, value in means.items():
                base = job.baseline.get(dataset, {}).get(metric)
                if base is None:
                    continue
                rel = f" ({(value - base) / abs(base) * 100:+.1f}%)" if base else ""
                changes.append(f"{dataset}/{metric} {base:.4g} -> {value:.4g}{rel}")
        return f"Only {knob.constant} changed. " + "; ".join(changes) + "."

    # -- plots ---------------------------------------------------------------------------
    def labels_for(self, job: RunJob) -> dict[str, str]:
        if job.idea.extra.get("search") == "tree":
            return self._tree.labels(job)
        knob = self.knob_for(job.idea)
        baseline = job.idea.extra.get("baseline_value", knob.current)
        labels = {"run_0": f"Baseline ({knob.constant}={format_value(baseline)})"}
        for record in job.finished_runs:
            labels[record.run] = record.description.split(" (baseline")[0].replace(" = ", "=")
        return labels

    def propose_plots(self, job: RunJob, feedback: str | None, ctx: Context) -> Proposal | None:
        if feedback is not None:
            return None
        source = (job.folder / "plot.py").read_text(encoding="utf-8")
        updated = replace_labels(source, self.labels_for(job))
        return Proposal.create(
            job.folder,
            "plot.py",
            updated,
            "plot the baseline and every finished run of the sweep",
            "plots",
        )

    def propose_plot_fix(
        self, job: RunJob, error: str, feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return None

    def describe_figures(self, job: RunJob, figures: list[str]) -> dict[str, str]:
        labels = ", ".join(self.labels_for(job).values())
        what = "of the search" if job.idea.extra.get("search") == "tree" else "of the sweep"
        return {f: f"{f} compares the runs {what} ({labels})." for f in figures}

    # -- paper ---------------------------------------------------------------------------
    def propose_section(
        self, job: PaperJob, section: str, feedback: str | None, ctx: Context
    ) -> Proposal | None:

        if feedback is not None:
            return (
                None  # the report says only what was measured; there is no other wording to offer
            )
        kind = TreeReport if job.idea.extra.get("search") == "tree" else SweepReport
        report = kind(job.folder, job.idea, job.runs, job.figures, job.task, job.scale)
        tex = job.tex.read_text(encoding="utf-8")
        return Proposal.create(
            job.folder,
            "latex/template.tex",
            set_section(tex, section, report.section(section)),
            f"draft the {section} section from the measured results",
            "writeup",
        )

    def find_citations(self, job: PaperJob, ctx: Context) -> str:
        return ""  # the report cites the template's own references, nothing it has not read

    def propose_paper_fix(
        self, job: PaperJob, diagnostics: list[Diagnostic], feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return None

    def review_paper(self, job: PaperJob, text: str, ctx: Context) -> dict[str, Any]:
        return checklist_review(job.folder)

    def propose_improvement(
        self, job: PaperJob, review: dict[str, Any], feedback: str | None, ctx: Context
    ) -> Proposal | None:
        return None
