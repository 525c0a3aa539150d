"""Stage 4 for the LLM scientist: which run next, and its edit of experiment.py.

``propose_run``: one JSON decision (``DECIDE_SCHEMA``, stage ``experiments``) from the idea,
the baseline means, every earlier run (means or failure), "run i of max_runs", experiment.py
as the template's outline plus its diff from the template (the decision
plans a change; aider, which makes it, sees the whole file) and a person's reason for rejecting
the last proposal. ``done: true``
returns None: the model ends the experiments early (read from JSON only). A decision whose
whole change is new values of top-level constants says so in ``set``: aisci writes those
lines (core/knobs.set_constants) and aider is not called. Otherwise aider proposes the edit of
experiment.py (code_edits.py). The ``Proposal`` carries the model's one-sentence description.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisci.core.events import Log
from aisci.core.ideas import Idea
from aisci.core.knobs import set_constants
from aisci.core.proposals import Proposal
from aisci.core.scientist import RunJob
from aisci.errors import AisciError

from .code_edits import EditSession, edit_file, proposal_of
from .material import (
    describe_idea,
    history_lines,
    means_lines,
    one_line,
    outline_source,
    source_changes,
)
from .prompts import render

if TYPE_CHECKING:
    from aisci.core.context import Context
    from aisci.core.template import Template

RUNS_STAGE = "experiments"

DECIDE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["done", "description", "plan"],
    "properties": {
        "done": {"type": "boolean"},
        "description": {"type": "string"},
        "plan": {"type": "string"},
        # New values of experiment.py's top-level constants, when they are the whole change:
        # aisci writes those lines itself and aider is not called (set_constants).
        "set": {
            "type": "object",
            "additionalProperties": {"type": ["number", "string", "boolean"]},
        },
    },
}


def propose_run(
    edits: EditSession, template: Template, job: RunJob, feedback: str | None, ctx: Context
) -> Proposal | None:
    ctx.check_cancelled("The experiments")
    rejection = edits.last_proposals.rejection(job.folder, feedback)
    answer = edits.client.complete_json(
        decide_messages(template, job, rejection, ctx.settings.timeout_s),
        DECIDE_SCHEMA,
        stage=RUNS_STAGE,
    )
    if answer["done"]:
        ctx.reporter.emit(
            Log(
                f"the model ended the experiments before run {job.run_index}",
                folder=str(job.folder),
            )
        )
        return None
    return edit_experiment(
        edits,
        job.folder,
        job.idea,
        job.run_index,
        answer,
        ctx,
        fallback=f"run {job.run_index}",
        what=f"run {job.run_index} of idea {job.idea.name}",
    )


def decide_messages(
    template: Template, job: RunJob, rejection: str, timeout_s: float
) -> list[dict[str, str]]:
    """The decision's prompt (``rejection``: the paragraph on a rejected proposal, or ""). The system message (the template's system prompt, our rules and
    the template's experiment.py in outline) is the same for every run of every idea of the
    template, so a provider's prompt cache serves it; the user message starts with what stays
    (idea, baseline) and grows at its end (the runs), the current state of the code last."""
    original = template.experiment.read_text(encoding="utf-8")
    now = (job.folder / "experiment.py").read_text(encoding="utf-8")
    user = render(
        "experiment_decide",
        idea=describe_idea(job.idea),
        baseline=means_lines(job.baseline),
        history=history_lines(job.history),
        changes=source_changes(original, now) or "(none yet: experiment.py is the template's)",
        feedback=rejection,
        run=job.run_index,
        max_runs=job.max_runs,
        timeout=f"{timeout_s:g}",
    )
    system = (
        render("experiment_system", template_system=template.system_prompt.strip())
        + "\n\n"
        + render("experiment_outline", outline=outline_source(original))
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def edit_experiment(
    edits: EditSession,
    folder: Path,
    idea: Idea,
    run: int,
    answer: dict[str, Any],
    ctx: Context,
    *,
    fallback: str,
    what: str,
) -> Proposal | None:
    """aider's edit of experiment.py for run ``run``, from the model's decision ``answer``
    (``DECIDE_SCHEMA``); the description is the answer's, else ``fallback``."""
    description = one_line(answer["description"]) or one_line(answer["plan"])[:200] or fallback
    direct = _constants_only(folder, answer.get("set") or {}, description, ctx)
    if direct is not None:
        edits.last_proposals.remember(folder, description)
        return direct
    instruction = render(
        "experiment_edit",
        run=run,
        title=one_line(idea.title),
        description=description,
        plan=answer["plan"].strip() or description,
        timeout=f"{ctx.settings.timeout_s:g}",
    )
    edit = edit_file(edits.client, folder, "experiment.py", instruction, ctx, RUNS_STAGE, what)
    edits.last_proposals.remember(folder, description)
    return proposal_of(edit, "experiment.py", description, RUNS_STAGE)


def _constants_only(
    folder: Path, values: dict[str, Any], description: str, ctx: Context
) -> Proposal | None:
    """The run's edit when the decision says it changes only top-level constants: those lines
    set by aisci, a proposal like any other, no model call. None sends the plan to aider
    instead (no values, a name that is no settable constant, or nothing would change)."""
    if not values:
        return None
    original = (folder / "experiment.py").read_text(encoding="utf-8")
    try:
        proposed = set_constants(original, values)
    except AisciError as e:
        ctx.reporter.emit(
            Log(f"{e.message} The plan goes to aider instead.", "warning", str(folder))
        )
        return None
    if proposed == original:
        return None
    return Proposal.create(folder, "experiment.py", proposed, description, RUNS_STAGE)
