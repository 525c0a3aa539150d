"""Stage 4's fixes for the LLM scientist: aider repairs experiment.py after a failed run.

``propose_fix``: the instruction (``experiment_fix``) says what the run was meant to change
(as recorded when its edit was accepted) and what happened: the run's summary with its hint
(exit status, "timed out after N s", a NaN in final_info.json) and the last ~1,500 characters
of stderr. A person's rejection of the last fix goes into the next instruction.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aisci.core.ideas import Idea
from aisci.core.proposals import Proposal
from aisci.core.scientist import RunJob
from aisci.core.state import State
from aisci.execution.runner import RunResult

from .code_edits import EditSession, edit_file, proposal_of
from .material import one_line
from .prompts import render
from .runs import RUNS_STAGE

if TYPE_CHECKING:
    from aisci.core.context import Context


def propose_fix(
    edits: EditSession, job: RunJob, failure: RunResult, feedback: str | None, ctx: Context
) -> Proposal | None:
    ctx.check_cancelled("The experiments")
    return edit_fix(
        edits,
        job.folder,
        job.idea,
        job.run_index,
        _run_description(job),
        failure_text(failure),
        feedback,
        ctx,
        what=f"the fix of run {job.run_index} of idea {job.idea.name}",
        label=f"fix of run {job.run_index}",
    )


def edit_fix(
    edits: EditSession,
    folder: Path,
    idea: Idea,
    run: int,
    description: str,
    failure: str,
    feedback: str | None,
    ctx: Context,
    *,
    what: str,
    label: str,
) -> Proposal | None:
    """aider's repair of experiment.py after run ``run`` failed (``failure``, in words); the
    proposal is described as ``label`` and what aider changed."""
    instruction = render(
        "experiment_fix",
        run=run,
        title=one_line(idea.title),
        description=description,
        failure=failure,
        timeout=f"{ctx.settings.timeout_s:g}",
    ) + edits.last_proposals.rejection(folder, feedback)
    edit = edit_file(edits.client, folder, "experiment.py", instruction, ctx, RUNS_STAGE, what)
    summary = f"{label}: {edit.summary(200)}"
    edits.last_proposals.remember(folder, summary)
    return proposal_of(edit, "experiment.py", summary, RUNS_STAGE)


def failure_text(failure: RunResult) -> str:
    """What the model needs to fix a failed run: the summary and hint, and the stderr tail."""
    text = failure.summary(with_hint=True)
    tail = (failure.stderr_tail or "").strip()
    if tail:
        text += f"\n\nThe end of its stderr:\n```\n{tail}\n```"
    return text


def _run_description(job: RunJob) -> str:
    """What run i was meant to change, as recorded when its edit was accepted."""
    step = State.load(job.folder).step(f"run_{job.run_index}.edit") or {}
    return one_line(step.get("description", "")) or "(no description recorded)"
