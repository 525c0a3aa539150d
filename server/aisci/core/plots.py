"""Stage 5, plots: the scientist edits plot.py (labels for the runs that matter), it runs in
the sandbox with a timeout, failures go back for a capped number of fixes, and notes.txt gets
a paragraph per figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisci.core.baseline import figure_notes, run_plots
from aisci.core.context import Context
from aisci.core.editing import reviewed_edit
from aisci.core.events import StageFinished, StageStarted
from aisci.core.experiments import make_job, require_finished_runs
from aisci.core.notes import write_notes
from aisci.core.proposals import Proposal
from aisci.core.scientist import CritiquesFigures, RunJob, Scientist
from aisci.core.state import State

# Starts the ``error`` given to ``propose_plot_fix`` when plot.py ran and the figures were
# critiqued: the scientist tells the model it is a critique of the figures, not a failure.
CRITIQUE_PREFIX = "a vision model read the figures and found: "


@dataclass(frozen=True)
class PlotsOutcome:
    folder: Path
    ok: bool
    figures: tuple[str, ...]
    message: str


def make_plots(folder: Path, scientist: Scientist, ctx: Context) -> PlotsOutcome:
    folder = Path(folder).resolve()
    state = State.load(folder)
    done = state.step("plots") if state.is_done("plots") else None
    if done is not None:
        return PlotsOutcome(folder, True, tuple(done["figures"]), "finished earlier")
    require_finished_runs(folder)
    ctx.reporter.emit(StageStarted("plots", str(folder)))
    job = make_job(folder, state, 0, ctx)
    if not state.is_done("plots.edit"):
        accepted = reviewed_edit(ctx, lambda feedback: scientist.propose_plots(job, feedback, ctx))
        state.record(
            "plots.edit", description=accepted[0].description if accepted else "plot.py unchanged"
        )
    error = ""
    critiqued = False
    for attempt in range(ctx.settings.max_iters + 1):
        ctx.check_cancelled("The plots")
        result = run_plots(
            folder,
            timeout_s=ctx.settings.plot_timeout_s,
            sandbox=ctx.settings.sandbox,
            cancel=ctx.cancel,
        )
        if result.ok:
            critiques, vision = _critique(scientist, job, list(result.figures), ctx)
            problems = [f"{f}: {p}" for f, c in (critiques or {}).items() for p in c["problems"]]
            if problems and not critiqued and attempt < ctx.settings.max_iters:
                critiqued = (
                    True  # one round of fixes from what the model saw, then the figures stand
                )
                error = CRITIQUE_PREFIX + "; ".join(problems)

                def critique_fix(feedback: str | None, error: str = error) -> Proposal | None:
                    return scientist.propose_plot_fix(job, error, feedback, ctx)

                if reviewed_edit(ctx, critique_fix) is not None:
                    continue
            descriptions = scientist.describe_figures(job, list(result.figures))
            for figure, c in (critiques or {}).items():  # the caption says what the model saw
                if c.get("shows") and figure in descriptions:
                    descriptions[figure] = c["shows"]
            for old, new in result.renamed:  # plain text: the paper quotes it (tex_quote)
                if new in descriptions:
                    descriptions[new] += f" (aisci renamed the file; plot.py named it {old}.)"
            state.record(
                "plots",
                figures=list(result.figures),
                descriptions=descriptions,
                vision=vision,
                critiques=critiques or {},
                **figure_notes(result),
            )
            write_notes(folder)
            ctx.reporter.emit(
                StageFinished("plots", str(folder), outputs={"figures": list(result.figures)})
            )
            return PlotsOutcome(folder, True, result.figures, f"{len(result.figures)} figure(s)")
        ctx.check_cancelled("The plots")
        last = result.stderr_tail.strip().splitlines()[-1:] or [""]
        error = f"{result.error}. {last[0]}".strip()
        if attempt == ctx.settings.max_iters:
            break

        def fix(feedback: str | None, error: str = error) -> Proposal | None:
            return scientist.propose_plot_fix(job, error, feedback, ctx)

        if reviewed_edit(ctx, fix) is None:
            break
    state.record("plots", status="failed", error=error)
    ctx.reporter.emit(StageFinished("plots", str(folder), ok=False, message=error))
    return PlotsOutcome(folder, False, (), error)


def _critique(
    scientist: Scientist, job: RunJob, figures: list[str], ctx: Context
) -> tuple[dict[str, dict[str, Any]] | None, str]:
    """The figures as a vision model read them, and a note of what was done for the record."""
    if not isinstance(scientist, CritiquesFigures):
        return None, f"not read: the {scientist.kind} scientist has no model to look at figures"
    critiques = scientist.critique_figures(job, figures, ctx)
    if critiques is None:
        return None, "not read: the model does not accept images (litellm.supports_vision says no)"
    return critiques, f"read by the model: {len(critiques)} of {len(figures)} figure(s)"
