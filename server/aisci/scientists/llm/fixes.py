"""Stage 4's fixes for the LLM scientist: aider repairs experiment.py after a failed run.

``propose_fix``: the instruction (``experiment_fix``) says what the run was meant to change
(as recorded when its edit was accepted) and what happened: the run's summary with its hint
(exit status, "timed out after N s", a NaN in final_info.json) and the last ~1,500 characters
of stderr. A person's rejection of the last fix goes into the next instruction.
"""

from __future__ import annotations

from aisci.core.proposals import Proposal
from aisci.core.scientist import RunJob
from aisci.core.state import State
from aisci.execution.runner import RunResult

from .code_edits import edit_file, proposal_of
from .material import one_line
from .prompts import render
from .runs import RUNS_STAGE


def propose_fix(sci, job: RunJob, failure: RunResult, feedback: str | None, ctx) -> Proposal | None:
    ctx.check_cancelled("The experiments")
    instruction = render(
        "experiment_fix",
        run=job.run_index,
        title=one_line(job.idea.title),
        description=_run_description(job),
        failure=failure_text(failure),
        timeout=f"{ctx.settings.timeout_s:g}",
    )
    instruction += sci.last_proposals.rejection(job.folder, feedback)
    edit = edit_file(
        sci,
        job.folder,
        "experiment.py",
        instruction,
        ctx,
        RUNS_STAGE,
        f"the fix of run {job.run_index} of idea {job.idea.name}",
    )
    description = f"fix of run {job.run_index}: {edit.summary(200)}"
    sci.last_proposals.remember(job.folder, description)
    return proposal_of(edit, "experiment.py", description, RUNS_STAGE)


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
