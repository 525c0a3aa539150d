"""Stage 5, plots: the scientist edits plot.py (labels for the runs that matter), it runs in
the sandbox with a timeout, failures go back for a capped number of fixes, and notes.txt gets
a paragraph per figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aisci.core.baseline import run_plots
from aisci.core.context import Context
from aisci.core.editing import reviewed_edit
from aisci.core.events import StageFinished, StageStarted
from aisci.core.experiments import make_job, require_finished_runs
from aisci.core.notes import write_notes
from aisci.core.scientist import Scientist
from aisci.core.state import State


@dataclass(frozen=True)
class PlotsOutcome:
    folder: Path
    ok: bool
    figures: tuple[str, ...]
    message: str


def make_plots(folder: Path, scientist: Scientist, ctx: Context) -> PlotsOutcome:
    folder = Path(folder).resolve()
    state = State.load(folder)
    if state.is_done("plots"):
        return PlotsOutcome(folder, True, tuple(state.step("plots")["figures"]), "finished earlier")
    require_finished_runs(folder)
    ctx.reporter.emit(StageStarted("plots", str(folder)))
    job = make_job(folder, state, 0, ctx)
    if not state.is_done("plots.edit"):
        accepted = reviewed_edit(ctx, lambda feedback: scientist.propose_plots(job, feedback, ctx))
        state.record("plots.edit", description=accepted[0].description if accepted else "plot.py unchanged")
    error = ""
    for attempt in range(ctx.settings.max_iters + 1):
        ctx.check_cancelled("The plots")
        result = run_plots(folder, timeout_s=ctx.settings.plot_timeout_s, sandbox=ctx.settings.sandbox,
                           cancel=ctx.cancel)
        if result.ok:
            descriptions = scientist.describe_figures(job, list(result.figures))
            state.record("plots", figures=list(result.figures), descriptions=descriptions)
            write_notes(folder)
            ctx.reporter.emit(StageFinished("plots", str(folder), outputs={"figures": list(result.figures)}))
            return PlotsOutcome(folder, True, result.figures, f"{len(result.figures)} figure(s)")
        ctx.check_cancelled("The plots")
        last = result.stderr_tail.strip().splitlines()[-1:] or [""]
        error = f"{result.error}. {last[0]}".strip()
        if attempt == ctx.settings.max_iters:
            break
        accepted = reviewed_edit(ctx, lambda feedback: scientist.propose_plot_fix(job, error, feedback, ctx))
        if accepted is None:
            break
    state.record("plots", status="failed", error=error)
    ctx.reporter.emit(StageFinished("plots", str(folder), ok=False, message=error))
    return PlotsOutcome(folder, False, (), error)
