"""Stage 5 for the LLM scientist: aider's edits of plot.py.

``propose_plots`` / ``propose_plot_fix``: aider edits plot.py so that its literal top-level
``labels`` dict names only ``run_0`` and the finished runs; an answer naming any other folder,
or leaving plot.py unparsable, is sent back as a failed attempt (code_edits.py). The fix gets
the plot's error (or what a vision model saw wrong in the figures) in its instruction.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from aisci.core.plots import CRITIQUE_PREFIX
from aisci.core.proposals import Proposal
from aisci.core.scientist import RunJob

from .code_edits import EditSession, edit_file, proposal_of
from .material import one_line, run_lines
from .prompts import render

if TYPE_CHECKING:
    from aisci.core.context import Context

PLOTS_STAGE = "plots"


def propose_plots(
    edits: EditSession, job: RunJob, feedback: str | None, ctx: Context
) -> Proposal | None:
    ctx.check_cancelled("The plots")
    instruction = render(
        "plot_edit", title=one_line(job.idea.title), runs=run_lines(job.finished_runs)
    )
    instruction += edits.last_proposals.rejection(job.folder, feedback)
    edit = edit_file(
        edits.client,
        job.folder,
        "plot.py",
        instruction,
        ctx,
        PLOTS_STAGE,
        f"the plots of idea {job.idea.name}",
        check=_labels_check(job),
        require_change=False,
    )
    if not edit.proposed:
        return None  # plot.py already names the runs that matter
    description = f"plot the runs: {edit.summary(200)}"
    edits.last_proposals.remember(job.folder, description)
    return proposal_of(edit, "plot.py", description, PLOTS_STAGE)


def propose_plot_fix(
    edits: EditSession, job: RunJob, error: str, feedback: str | None, ctx: Context
) -> Proposal | None:
    ctx.check_cancelled("The plots")
    if error.startswith(CRITIQUE_PREFIX):  # plot.py ran: the figures were read and criticised
        instruction = render(
            "plot_critique_fix",
            title=one_line(job.idea.title),
            critique=error.removeprefix(CRITIQUE_PREFIX).strip(),
            runs=run_lines(job.finished_runs),
        )
    else:
        instruction = render(
            "plot_fix",
            title=one_line(job.idea.title),
            error=error.strip() or "(no message)",
            runs=run_lines(job.finished_runs),
        )
    instruction += edits.last_proposals.rejection(job.folder, feedback)
    edit = edit_file(
        edits.client,
        job.folder,
        "plot.py",
        instruction,
        ctx,
        PLOTS_STAGE,
        f"the fix of plot.py of idea {job.idea.name}",
        check=_labels_check(job),
    )
    description = f"fix plot.py: {edit.summary(200)}"
    edits.last_proposals.remember(job.folder, description)
    return proposal_of(edit, "plot.py", description, PLOTS_STAGE)


def plot_labels(source: str) -> dict[str, str] | None:
    """plot.py's literal top-level ``labels`` dict, or None when there is none to read."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "labels"
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None
    return None


def _labels_check(job: RunJob) -> Callable[[str], str | None]:
    allowed = ["run_0", *(r.run for r in job.finished_runs)]

    def check(text: str) -> str | None:
        try:
            ast.parse(text)
        except SyntaxError as exc:
            return f"plot.py would not be valid Python: {exc.msg} (line {exc.lineno})."
        labels = plot_labels(text)
        if labels is None:
            return "plot.py must keep a literal top-level `labels = {...}` dict (run folder -> legend label)."
        unknown = [k for k in labels if k not in allowed]
        if unknown:
            return (
                f"`labels` names {', '.join(unknown)}, which do not exist; use only: "
                f"{', '.join(allowed)}."
            )
        if not labels:
            return "`labels` is empty; list run_0 and the runs worth showing."
        return None

    return check
