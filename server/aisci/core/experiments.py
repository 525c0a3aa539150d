"""Stage 4, experiments: the scientist edits experiment.py, the runner runs it, the result
goes back, for up to ``max_runs`` runs, each failure fixable ``max_iters`` times.

Resumable: each run's accepted edit is recorded (``run_i.edit`` with the hash of the code it
produced) before the run starts, and each finished run (``run_i``) after. After a kill, a
finished run is never run again, and a run whose edit was applied runs that same code without
asking the scientist again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from aisci.core.context import Context
from aisci.core.editing import reviewed_edit
from aisci.core.events import StageFinished, StageStarted
from aisci.core.ideas import Idea
from aisci.core.notes import write_notes
from aisci.core.proposals import Proposal, text_hash
from aisci.core.runs import execute_run, run_record
from aisci.core.scientist import DescribesEdits, RunJob, RunRecord, Scientist
from aisci.core.search.tree import record_linear
from aisci.core.state import State, run_steps
from aisci.core.template_env import missing_module_advice
from aisci.errors import ExperimentError
from aisci.execution.executor import RunSpec
from aisci.execution.final_info import load_final_info
from aisci.execution.runner import RunResult


@dataclass(frozen=True)
class ExperimentsOutcome:
    folder: Path
    runs: tuple[RunRecord, ...]
    ok: bool
    message: str


def load_idea(folder: Path) -> Idea:
    return Idea.from_dict(json.loads((Path(folder) / "idea.json").read_text(encoding="utf-8")))


def history_from_state(state: State) -> list[RunRecord]:
    records, steps = [], state.steps()
    for index in run_steps(steps):
        step = steps[f"run_{index}"]
        records.append(
            RunRecord(
                f"run_{index}",
                step.get("description", ""),
                step.get("means", {}),
                None if step["status"] == "done" else step.get("error", "failed"),
            )
        )
    return records


def make_job(folder: Path, state: State, run_index: int, ctx: Context) -> RunJob:
    baseline = load_final_info(Path(folder) / "run_0" / "final_info.json").means()
    return RunJob(
        Path(folder),
        load_idea(folder),
        state.get("template", ""),
        baseline,
        tuple(history_from_state(state)),
        run_index,
        ctx.settings.max_runs,
    )


def run_experiments(folder: Path, scientist: Scientist, ctx: Context) -> ExperimentsOutcome:
    folder = Path(folder).resolve()
    state = State.load(folder)
    if state.is_done("experiments"):
        return ExperimentsOutcome(
            folder, tuple(history_from_state(state)), True, "finished earlier"
        )
    ctx.reporter.emit(
        StageStarted("experiments", str(folder), f"up to {ctx.settings.max_runs} runs")
    )
    write_notes(folder)
    for index in range(1, ctx.settings.max_runs + 1):
        run = f"run_{index}"
        recorded = state.step(run)
        if recorded:
            if state.is_done(run):
                continue
            # A recorded failure of this run ended the stage before; nothing more to try.
            return _finish(folder, state, ctx, ok=False, message=recorded.get("error", "failed"))
        ctx.check_cancelled("The experiments")
        job = make_job(folder, state, index, ctx)
        edit = state.step(f"{run}.edit")
        code = (folder / "experiment.py").read_text(encoding="utf-8")
        if not edit or edit.get("hash") != text_hash(code):

            def propose(feedback: str | None, job: RunJob = job) -> Proposal | None:
                return scientist.propose_run(job, feedback, ctx)

            accepted = reviewed_edit(ctx, propose)
            if accepted is None:
                break  # the scientist is done (or every proposal was rejected)
            proposal, written = accepted
            edit = {"hash": text_hash(written), "description": proposal.description}
            if written != proposal.proposed:
                # What runs is the person's text: the record (notes, plot labels, paper) must say so.
                edit = {
                    **edit,
                    "description": describe_accepted(scientist, job, proposal, written),
                    "edited_by_person": True,
                    "proposed_description": proposal.description,
                }
            state.record(f"{run}.edit", **edit)
        result, tried = _run_with_fixes(folder, state, job, scientist, ctx, edit["description"])
        info = result.final_info if result.ok else None  # ok: it wrote a valid final_info.json
        if info is not None:
            notes = scientist.describe_run(job, info)
            state.record(
                run,
                description=edit["description"],
                means=info.means(),
                notes=notes,
                **run_record(result),
            )
            record_linear(folder, index, edit["description"], ok=True, means=info.means())
            write_notes(folder)
        else:
            state.record(
                run,
                status="failed",
                description=edit["description"],
                error=result.summary(with_hint=False),
                stderr_tail=result.stderr_tail,
                **run_record(result),
            )
            if not result.cancelled:
                record_linear(
                    folder,
                    index,
                    edit["description"],
                    ok=False,
                    error=result.summary(with_hint=False),
                )
            write_notes(folder)
            if result.cancelled:
                state.forget(run)  # a cancelled run is not a failed one: resume runs it again
                ctx.check_cancelled("The experiments")
            advice = missing_module_advice(result.stderr_tail)
            return _finish(
                folder,
                state,
                ctx,
                ok=False,
                message=f"{run} failed; {tried}: {result.summary(with_hint=False)}"
                + (f" {advice}" if advice else ""),
            )
    done = [r for r in history_from_state(state) if r.error is None]
    if not done:
        return _finish(folder, state, ctx, ok=False, message="no run finished")
    return _finish(folder, state, ctx, ok=True, message=f"{len(done)} run(s) finished")


def describe_accepted(scientist: Scientist, job: RunJob, proposal: Proposal, written: str) -> str:
    """The description of a run whose proposed edit a person changed before accepting it."""
    if isinstance(scientist, DescribesEdits):
        return scientist.describe_edit(job, proposal, written)
    return (
        f"a person's edit of the proposed change ({proposal.description}); what ran is the person's "
        "text, saved as the run's run_i.py"
    )


def _run_with_fixes(
    folder: Path, state: State, job: RunJob, scientist: Scientist, ctx: Context, description: str
) -> tuple[RunResult, str]:
    """The run, with fixes; also what was tried, in words ("2 fixes tried", "no fix was proposed")."""
    settings = ctx.settings
    for attempt in range(settings.max_iters + 1):
        fixes = attempt  # each earlier attempt ended in an accepted fix
        ctx.check_cancelled("The experiments")
        run = f"run_{job.run_index}"
        spec = RunSpec(
            folder, job.run_index, settings.timeout_s, settings.sandbox, settings.scale, ctx.gpu
        )
        result = execute_run(ctx.executor, spec, ctx.reporter, ctx.cancel)
        tried = f"{fixes} fix{'es' * (fixes != 1)} tried" if fixes else "no fix was tried"
        if result.ok or result.cancelled or attempt == settings.max_iters:
            return result, tried + (
                f", the limit (--max-iters {settings.max_iters})" if fixes else ""
            )
        if missing_module_advice(result.stderr_tail):
            # Editing the code cannot install a package: no fix attempt is spent on it.
            return result, (
                f"{tried}, then " if fixes else ""
            ) + "no fix was asked for (a missing package)"
        state.record(
            f"{run}.attempt_{attempt + 1}", status="failed", error=result.summary(with_hint=False)
        )
        proposed: list[Proposal | None] = []

        def make(
            feedback: str | None,
            result: RunResult = result,
            proposed: list[Proposal | None] = proposed,
        ) -> Proposal | None:
            fix = scientist.propose_fix(job, result, feedback, ctx)
            proposed.append(fix)
            return fix

        accepted = reviewed_edit(ctx, make)
        if accepted is None:
            if not any(proposed):
                why = "the scientist proposed no fix" + (
                    " (the sweep scientist changes one constant; it cannot repair code)"
                    if scientist.kind == "sweep"
                    else ""
                )
            else:
                why = "every proposed fix was rejected"
            return result, (f"{tried}, then " if fixes else "") + why
        proposal, written = accepted
        state.record(
            f"{run}.edit",
            hash=text_hash(written),
            description=description,
            fix=proposal.description,
        )
    raise AssertionError("unreachable")


def _finish(
    folder: Path, state: State, ctx: Context, *, ok: bool, message: str
) -> ExperimentsOutcome:
    history = tuple(history_from_state(state))
    if ok:
        state.record("experiments", runs=[r.run for r in history if r.error is None])
    else:
        state.record("experiments", status="failed", error=message)
    ctx.reporter.emit(StageFinished("experiments", str(folder), ok=ok, message=message))
    return ExperimentsOutcome(folder, history, ok, message)


def require_finished_runs(folder: Path) -> list[RunRecord]:
    runs = [r for r in history_from_state(State.load(folder)) if r.error is None]
    if not runs:
        raise ExperimentError(
            f"No finished run in {folder}: there is nothing to plot or write about.",
            "Run the experiments first (aisci launch ... --resume, or the editor's Run Experiments).",
        )
    return runs
