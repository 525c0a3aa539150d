"""Stages 4-5 for the LLM scientist: which run next, the code edits (by aider), fixes, notes.

Each function takes the ``LLMScientist`` first; its methods hand over to them.

- ``propose_run``: one JSON decision (``DECIDE_SCHEMA``, stage ``experiments``) from the idea,
  the baseline means, every earlier run (means or failure), "run i of max_runs", the current
  experiment.py (compacted) and a person's reason for rejecting the last proposal.
  ``done: true`` returns None: the model ends the experiments early (read from JSON only).
  Otherwise aider proposes the edit of experiment.py (dry run) and the ``Proposal`` carries
  the model's one-sentence description.
- ``propose_fix``: aider fixes experiment.py from the failure: the run's summary with its hint
  (exit status, "timed out after N s", a NaN in final_info.json) and the last ~1,500
  characters of stderr.
- ``describe_run``: no model call. The notes paragraph is computed from the numbers (each
  mean against the baseline, with the relative change): cheaper, and it cannot misquote.
- ``propose_plots`` / ``propose_plot_fix``: aider edits plot.py so that its literal top-level
  ``labels`` dict names only ``run_0`` and the finished runs; an answer naming any other
  folder is sent back as a failed attempt.
- ``describe_figures``: one JSON call (stage ``plots``): a paragraph per figure from the
  labels, the measured means and plot.py. The model cannot see the images and is told to
  state only what the numbers show. A malformed answer, or a figure it left out, gets a plain
  sentence instead.

Code edits. aider runs with the client's model, api_base and key, one aider reflection per
attempt, at most ``EDIT_ATTEMPTS`` attempts; a failed attempt (a SEARCH block that never
matched, an answer that changed nothing, labels naming a missing run) goes to the next
attempt's instruction. When every attempt failed, an ``ExperimentError`` names the failure:
a launch reports it for that idea, and ``--resume`` asks again (finished runs are kept).
Returning None instead would read as "the model is done" and hide the failure.

Cost. Before each edit the edit's first request is estimated (its instruction and file, plus
``AIDER_PROMPT_TOKENS`` for aider's own prompt) and held against the cap, so ``--max-cost``
stops mid-idea with ``BudgetExceeded`` before aider is called. Afterwards aider's usage is
recorded in the scientist's ledger as one call per edit (its reflections included), which
updates cost.json and the live cost. Cassettes do not hold aider's calls: an edit replayed
from ``--replay`` alone is refused with a ``ConfigError``.
"""

from __future__ import annotations

import ast
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aisci.core.events import Log
from aisci.core.proposals import Proposal
from aisci.core.scientist import RunJob
from aisci.core.state import State
from aisci.errors import ConfigError, ExperimentError
from aisci.execution.final_info import FinalInfo

from .material import compact_source, describe_idea
from .prompts import render

log = logging.getLogger(__name__)
RUNS_STAGE = "experiments"
PLOTS_STAGE = "plots"
EDIT_ATTEMPTS = 2  # fresh aider conversations per edit, the last failure fed to the next
AIDER_REFLECTIONS = 1  # aider's own re-ask of an answer it could not apply, per attempt
AIDER_PROMPT_TOKENS = (
    2000  # aider's system prompt, examples and reminder (diff format): ~1.9k measured
)
PLOT_SOURCE_CHARS = 6000
MAX_METRICS = 16  # per run in a notes paragraph; the rest are counted

DECIDE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["done", "description", "plan"],
    "properties": {
        "done": {"type": "boolean"},
        "description": {"type": "string"},
        "plan": {"type": "string"},
    },
}
FIGURES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["figures"],
    "properties": {"figures": {"type": "object", "additionalProperties": {"type": "string"}}},
}

# What was proposed last in each idea folder, so a rejection can name what it rejected.
_last_proposed: dict[str, str] = {}
_last_lock = threading.Lock()


# -- stage 4: runs ---------------------------------------------------------------------------
def propose_run(sci, job: RunJob, feedback: str | None, ctx) -> Proposal | None:
    ctx.check_cancelled("The experiments")
    answer = sci.client.complete_json(
        decide_messages(sci, job, feedback, ctx), DECIDE_SCHEMA, stage=RUNS_STAGE
    )
    if answer["done"]:
        ctx.reporter.emit(
            Log(
                f"the model ended the experiments before run {job.run_index}",
                folder=str(job.folder),
            )
        )
        return None
    description = (
        _one_line(answer["description"])
        or _one_line(answer["plan"])[:200]
        or f"run {job.run_index}"
    )
    instruction = render(
        "experiment_edit",
        run=job.run_index,
        title=_one_line(job.idea.title),
        description=description,
        plan=answer["plan"].strip() or description,
        timeout=f"{ctx.settings.timeout_s:g}",
    )
    edit = _edit(
        sci,
        job.folder,
        "experiment.py",
        instruction,
        ctx,
        RUNS_STAGE,
        f"run {job.run_index} of idea {job.idea.name}",
    )
    _remember(job.folder, description)
    return _proposal(edit, "experiment.py", description, RUNS_STAGE)


def propose_fix(sci, job: RunJob, failure, feedback: str | None, ctx) -> Proposal | None:
    ctx.check_cancelled("The experiments")
    instruction = render(
        "experiment_fix",
        run=job.run_index,
        title=_one_line(job.idea.title),
        description=_run_description(job),
        failure=failure_text(failure),
        timeout=f"{ctx.settings.timeout_s:g}",
    )
    instruction += _rejection(job.folder, feedback)
    edit = _edit(
        sci,
        job.folder,
        "experiment.py",
        instruction,
        ctx,
        RUNS_STAGE,
        f"the fix of run {job.run_index} of idea {job.idea.name}",
    )
    description = f"fix of run {job.run_index}: {edit.summary(200)}"
    _remember(job.folder, description)
    return _proposal(edit, "experiment.py", description, RUNS_STAGE)


def describe_run(sci, job: RunJob, results: FinalInfo) -> str:
    return compare_means(job.baseline, results.means())


def decide_messages(sci, job: RunJob, feedback: str | None, ctx) -> list[dict]:
    code = compact_source((job.folder / "experiment.py").read_text(encoding="utf-8"))
    user = render(
        "experiment_decide",
        idea=describe_idea(job.idea),
        baseline=means_lines(job.baseline),
        history=history_lines(job),
        code=code,
        feedback=_rejection(job.folder, feedback),
        run=job.run_index,
        max_runs=job.max_runs,
        timeout=f"{ctx.settings.timeout_s:g}",
    )
    return [
        {
            "role": "system",
            "content": render(
                "experiment_system", template_system=sci.template.system_prompt.strip()
            ),
        },
        {"role": "user", "content": user},
    ]


# -- stage 5: plots --------------------------------------------------------------------------
def propose_plots(sci, job: RunJob, feedback: str | None, ctx) -> Proposal | None:
    ctx.check_cancelled("The plots")
    instruction = render("plot_edit", title=_one_line(job.idea.title), runs=run_lines(job))
    instruction += _rejection(job.folder, feedback)
    edit = _edit(
        sci,
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
    _remember(job.folder, description)
    return _proposal(edit, "plot.py", description, PLOTS_STAGE)


def propose_plot_fix(sci, job: RunJob, error: str, feedback: str | None, ctx) -> Proposal | None:
    ctx.check_cancelled("The plots")
    instruction = render(
        "plot_fix",
        title=_one_line(job.idea.title),
        error=error.strip() or "(no message)",
        runs=run_lines(job),
    )
    instruction += _rejection(job.folder, feedback)
    edit = _edit(
        sci,
        job.folder,
        "plot.py",
        instruction,
        ctx,
        PLOTS_STAGE,
        f"the fix of plot.py of idea {job.idea.name}",
        check=_labels_check(job),
    )
    description = f"fix plot.py: {edit.summary(200)}"
    _remember(job.folder, description)
    return _proposal(edit, "plot.py", description, PLOTS_STAGE)


def describe_figures(sci, job: RunJob, figures: list[str]) -> dict[str, str]:
    if not figures:
        return {}
    from aisci.llm import LLMFormatError

    labels = plot_labels((job.folder / "plot.py").read_text(encoding="utf-8")) or {
        "run_0": "Baseline"
    }
    means = {"run_0": job.baseline, **{r.run: r.means for r in job.finished_runs}}
    runs = "\n".join(
        f"- {run}: {label}; {means_inline(means.get(run, {}))}" for run, label in labels.items()
    )
    code = compact_source((job.folder / "plot.py").read_text(encoding="utf-8"), PLOT_SOURCE_CHARS)
    prompt = render(
        "plot_describe",
        idea=describe_idea(job.idea),
        runs=runs,
        code=code,
        figures=", ".join(figures),
    )
    plain = {f: f"{f} shows the runs {', '.join(labels.values())}." for f in figures}
    try:
        answer = sci.client.complete_json(
            [{"role": "user", "content": prompt}], FIGURES_SCHEMA, stage=PLOTS_STAGE
        )
    except LLMFormatError as exc:
        log.warning(
            "figure notes for %s: no usable answer (%s); plain ones instead",
            job.folder,
            exc.message,
        )
        return plain
    given = answer["figures"]
    return {f: (_one_line(given[f]) if _one_line(given.get(f, "")) else plain[f]) for f in figures}


# -- material --------------------------------------------------------------------------------
def _number(value: float) -> str:
    return f"{value:.4g}"


def means_inline(means: dict[str, dict[str, float]]) -> str:
    parts = [
        f"{ds}: " + ", ".join(f"{m}={_number(v)}" for m, v in metrics.items())
        for ds, metrics in means.items()
    ]
    return "; ".join(parts) or "no results"


def means_lines(means: dict[str, dict[str, float]]) -> str:
    return (
        "\n".join(
            f"- {ds}: " + ", ".join(f"{m}={_number(v)}" for m, v in metrics.items())
            for ds, metrics in means.items()
        )
        or "(no results)"
    )


def history_lines(job: RunJob) -> str:
    lines = []
    for record in job.history:
        outcome = (
            f"FAILED: {_one_line(record.error)}" if record.error else means_inline(record.means)
        )
        lines.append(f"- {record.run}: {_one_line(record.description)} -> {outcome}")
    return "\n".join(lines) or "(none yet)"


def run_lines(job: RunJob) -> str:
    lines = ["- run_0: the baseline (the template unchanged)"]
    lines += [f"- {r.run}: {_one_line(r.description)}" for r in job.finished_runs]
    return "\n".join(lines)


def failure_text(failure) -> str:
    """What the model needs to fix a failed run: the summary and hint, and the stderr tail."""
    text = failure.summary(with_hint=True)
    tail = (failure.stderr_tail or "").strip()
    if tail:
        text += f"\n\nThe end of its stderr:\n```\n{tail}\n```"
    return text


def compare_means(baseline: dict[str, dict[str, float]], means: dict[str, dict[str, float]]) -> str:
    """Each mean against the baseline's, e.g. ``x_plus_y val_acc 0.52 -> 0.61 (+17.3%)``."""
    changes, new = [], []
    for ds, metrics in means.items():
        for metric, value in metrics.items():
            base = baseline.get(ds, {}).get(metric)
            if base is None:
                new.append(f"{ds} {metric} {_number(value)}")
            else:
                rel = f" ({(value - base) / abs(base) * 100:+.1f}%)" if base else ""
                changes.append(f"{ds} {metric} {_number(base)} -> {_number(value)}{rel}")
    parts = []
    if changes:
        shown = changes[:MAX_METRICS]
        more = f"; and {len(changes) - len(shown)} more" if len(changes) > len(shown) else ""
        parts.append("Against the baseline: " + "; ".join(shown) + more + ".")
    if new:
        parts.append("Metrics the baseline lacks: " + "; ".join(new[:MAX_METRICS]) + ".")
    return " ".join(parts) or "The run reported no metrics."


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


def _run_description(job: RunJob) -> str:
    """What run i was meant to change, as recorded when its edit was accepted."""
    step = State.load(job.folder).step(f"run_{job.run_index}.edit") or {}
    return _one_line(step.get("description", "")) or "(no description recorded)"


def _rejection(folder: Path, feedback: str | None) -> str:
    if feedback is None:
        return ""
    with _last_lock:
        last = _last_proposed.get(str(folder))
    what = f" ({last})" if last else ""
    return "\n" + render("experiment_rejected", what=what, feedback=_one_line(feedback)) + "\n"


def _remember(folder: Path, description: str) -> None:
    with _last_lock:
        _last_proposed[str(folder)] = description


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# -- code edits ------------------------------------------------------------------------------
def _edit(
    sci,
    folder: Path,
    file: str,
    instruction: str,
    ctx,
    stage: str,
    what: str,
    *,
    check: Callable[[str], str | None] | None = None,
    require_change: bool = True,
):
    """aider's dry-run edit of ``file``, with at most ``EDIT_ATTEMPTS`` attempts."""
    problem = None
    for attempt in range(1, EDIT_ATTEMPTS + 1):
        text = (
            instruction
            if problem is None
            else f"{instruction}\n\n{render('experiment_retry', problem=problem)}"
        )
        edit = _aider(sci, Path(folder), file, text, ctx, stage)
        problem = edit.error
        if problem is None and file not in edit.proposed and require_change:
            problem = (
                f"The answer changed nothing in {file}; give edit blocks that make the change."
            )
        if problem is None and check is not None and file in edit.proposed:
            problem = check(edit.proposed[file])
        if problem is None:
            return edit
        first = problem.strip().splitlines()[0] if problem.strip() else "unknown problem"
        ctx.reporter.emit(
            Log(
                f"the edit of {file} for {what} failed (attempt {attempt} of {EDIT_ATTEMPTS}): "
                f"{first}",
                "warning",
                str(folder),
            )
        )
        log.info("edit of %s in %s failed: %s", file, folder, problem)
    raise ExperimentError(
        f"The model's edit of {file} for {what} failed after {EDIT_ATTEMPTS} attempts: {first}",
        "Run the launch again with --resume to ask again (finished runs are kept), or use a stronger "
        "model (--model).",
    )


def _aider(sci, folder: Path, file: str, instruction: str, ctx, stage: str):
    from aisci.coder import AiderCoder

    s = sci.client.settings
    if s.replay is not None and s.record is None:
        raise ConfigError(
            "Code edits cannot be replayed: aider's model calls are not kept in cassettes.",
            "Replay covers ideas and novelty; run the experiments live (without --replay), "
            "or with --scientist sweep.",
        )
    coder = AiderCoder(
        s.model,
        api_base=s.api_base,
        api_key=_api_key(s),
        timeout_s=s.timeout_s,
        max_reflections=AIDER_REFLECTIONS,
        retry=s.retry,
    )
    ledger = sci.client.ledger
    budget = ledger.root
    cap = s.max_cost_usd if s.max_cost_usd is not None else budget.max_cost_usd
    estimate = (
        _estimate(s, instruction + (folder / file).read_text(encoding="utf-8"))
        if cap is not None
        else 0.0
    )
    budget.reserve(estimate, cap, stage)  # BudgetExceeded here: aider is never called
    started = time.monotonic()
    try:
        edit = coder.propose(folder, [file], instruction, cancel=ctx.cancel)
    finally:
        budget.release(estimate)
    _record_usage(sci, stage, edit.usage, time.monotonic() - started)
    return edit


def _api_key(settings) -> str | None:
    if settings.api_key or not settings.api_base:
        return settings.api_key
    # Never the provider's key from the environment to a custom server (--api-key-env names
    # one); the OpenAI client refuses to start without some key.
    return "no-key"


def _estimate(settings, text: str) -> float:
    from aisci.llm import count_tokens
    from aisci.llm.models import price

    p = price(settings.model)
    if p is None:
        return 0.0  # unpriced: the cap cannot count it (the client warns once)
    prompt = count_tokens(text, settings.model) + AIDER_PROMPT_TOKENS
    answer = min(settings.max_tokens, settings.expected_completion_tokens)
    return prompt * p.input_per_token + answer * p.output_per_token


def _record_usage(sci, stage: str, usage, duration_s: float) -> None:
    from aisci.llm import CallRecord

    if not usage.requests:
        return
    client = sci.client
    client.ledger.record(
        CallRecord(
            stage=stage,
            model=client.settings.model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
            duration_s=round(duration_s, 3),
        )
    )
    if client.on_cost is not None:
        try:
            client.on_cost(client.ledger.totals())
        except Exception:  # a broken reporter must not lose the edit
            log.exception("on_cost callback failed")


def _proposal(edit, file: str, description: str, stage: str) -> Proposal | None:
    for proposal in edit.proposals(stage, description):
        if proposal.file == file:
            return proposal
    return None


__all__ = [
    "DECIDE_SCHEMA",
    "FIGURES_SCHEMA",
    "describe_figures",
    "describe_run",
    "propose_fix",
    "propose_plot_fix",
    "propose_plots",
    "propose_run",
]
