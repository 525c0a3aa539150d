"""Stage 1, the baseline: run_0 of a template, then its plot.py.

The run happens in ``results/<template>/baseline_<scale>/`` (a copy of the template;
``baseline/`` for a template without scales, whose every scale is its whole study), never in
the template itself; idea folders copy its ``run_0``. A finished baseline is reused unless
``force`` is given; its state records the sandbox used, the duration and the figures.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from aisci.core.context import Context
from aisci.core.events import NullReporter, Reporter, StageFinished, StageStarted
from aisci.core.folders import baseline_folder, copy_template
from aisci.core.runs import execute_run, run_record
from aisci.core.settings import SCALES, Settings
from aisci.core.state import State
from aisci.core.template import Template
from aisci.core.template_env import missing_module_advice
from aisci.errors import AisciError, ConfigError, ExperimentError
from aisci.execution import safefs
from aisci.execution.executor import Executor, LocalExecutor, RunSpec
from aisci.execution.final_info import FinalInfo, load_final_info
from aisci.execution.plotting import run_plot
from aisci.execution.runner import DEFAULT_TIMEOUT_S, RunResult


def default_scale() -> str:
    """``full`` where an NVIDIA GPU is visible, else ``cpu`` (decided without importing torch)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return "cpu"
    return "full" if os.path.exists("/dev/nvidia0") or shutil.which("nvidia-smi") else "cpu"


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise ConfigError(
            f"Unknown scale {scale!r}.",
            "Use smoke (under a minute on a laptop CPU), cpu (minutes on a CPU) or full (the paper-scale study, for a GPU).",
        )
    return scale


def scale_words(applied: str | None) -> str:
    """How a line names the scale a run had: "at scale cpu", or that the template has none."""
    return f"at scale {applied}" if applied else "(no scales: its whole study)"


@dataclass(frozen=True)
class PlotResult:
    ok: bool
    figures: tuple[str, ...]
    duration_s: float
    error: str | None = None
    stderr_tail: str = ""
    refused: tuple[str, ...] = ()  # files plot.py left that were not taken, with why
    renamed: tuple[tuple[str, str], ...] = ()  # (name plot.py gave, safe name it now has)


@dataclass(frozen=True)
class BaselineOutcome:
    folder: Path
    final_info: FinalInfo
    figures: tuple[str, ...]
    duration_s: float
    sandbox: str
    reused: bool


def run_plots(
    folder: Path,
    *,
    timeout_s: float = Settings.plot_timeout_s,
    sandbox: str = "auto",
    cancel: threading.Event | None = None,
) -> PlotResult:
    """Run ``python plot.py`` in ``folder``; the figures are the PNGs it wrote or rewrote."""
    run = run_plot(folder, timeout_s=timeout_s, sandbox=sandbox, cancel=cancel)
    code, seconds = run.outcome.exit_code, run.outcome.duration_s
    refused = f" (not taken: {'; '.join(run.refused)})" if run.refused else ""
    if run.outcome.cancelled:
        return PlotResult(False, run.figures, seconds, "cancelled", run.stderr_tail)
    if run.outcome.timed_out:
        return PlotResult(
            False, run.figures, seconds, f"plot.py timed out after {timeout_s:g} s", run.stderr_tail
        )
    if code != 0:
        return PlotResult(
            False,
            run.figures,
            seconds,
            f"plot.py exited with status {code}{refused}",
            run.stderr_tail,
        )
    if not run.figures:
        return PlotResult(
            False,
            run.figures,
            seconds,
            f"plot.py finished but wrote no PNG figure{refused}",
            run.stderr_tail,
        )
    return PlotResult(True, run.figures, seconds, None, run.stderr_tail, run.refused, run.renamed)


def figure_notes(plots: PlotResult) -> dict[str, Any]:
    """What a plots step records beside its figures: the files not taken, and the figures
    renamed to a name TeX can take ({new name: name plot.py gave})."""
    notes: dict[str, Any] = {}
    if plots.refused:
        notes["refused"] = list(plots.refused)
    if plots.renamed:
        notes["renamed"] = {new: old for old, new in plots.renamed}
    return notes


def run_baseline(
    template: Template,
    results_root: Path,
    *,
    scale: str,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    sandbox: str = "auto",
    gpu: str | None = None,
    force: bool = False,
    reporter: Reporter | None = None,
    cancel: threading.Event | None = None,
    executor: Executor | None = None,
) -> BaselineOutcome:
    reporter = reporter or NullReporter()
    check_scale(scale)
    applied = scale if template.has_scales else None  # never claim a scale that was not applied
    final = baseline_folder(results_root, template.name, applied)
    folder = final
    if force and final.exists():
        # The last good baseline stays until the new one has finished: a cancelled or failed
        # re-run leaves it as it was.
        folder = final.with_name(final.name + ".rerun")
        safefs.remove(folder)
    state = State.load(folder, template=template.name, scale=applied) if folder.exists() else None
    if state and state.is_done("run_0") and state.is_done("plots"):
        run0 = state.step("run_0") or {}
        plots_step = state.step("plots") or {}
        return BaselineOutcome(
            folder,
            load_final_info(folder / "run_0" / "final_info.json"),
            tuple(plots_step["figures"]),
            float(run0.get("duration_s", 0.0)),
            str(run0.get("sandbox", "?")),
            reused=True,
        )
    reporter.emit(StageStarted("baseline", str(folder), f"{template.name} {scale_words(applied)}"))
    if state is None or not state.is_done("run_0"):
        # Until run_0 has succeeded, every attempt starts from the template as it is now, so a
        # fix made there is what runs next.
        folder.mkdir(parents=True, exist_ok=True)
        copy_template(template, folder)
        state = State.load(folder, template=template.name, scale=applied)
        state.record("copied", template_path=str(template.path))

    if state.is_done("run_0"):
        run0 = state.step("run_0") or {}
        info, duration, used = (
            load_final_info(folder / "run_0" / "final_info.json"),
            run0["duration_s"],
            run0["sandbox"],
        )
    else:
        spec = RunSpec(folder, 0, timeout_s, sandbox, scale, gpu)
        result = execute_run(executor or LocalExecutor(), spec, reporter, cancel)
        _record_run(state, result)
        if not result.ok:
            reporter.emit(StageFinished("baseline", str(folder), ok=False))
            # A missing package is an environment to complete, not code to fix.
            advice = missing_module_advice(result.stderr_tail)
            raise ExperimentError(
                f"The baseline of {template.name} failed: {result.summary(with_hint=False)}",
                advice
                or f"{result.hint or ''} Fix experiment.py in {template.path} and run "
                "the same command again.".strip(),
            )
        # result.ok: it has a final_info.
        info = cast(FinalInfo, result.final_info)
        duration, used = result.duration_s, result.sandbox

    plots = run_plots(folder, sandbox=sandbox, cancel=cancel)
    if not plots.ok:
        state.record("plots", status="failed", error=plots.error, stderr_tail=plots.stderr_tail)
        reporter.emit(StageFinished("baseline", str(folder), ok=False))
        last = plots.stderr_tail.strip().splitlines()[-1:] or [""]
        raise AisciError(
            f"The baseline ran, but its plots failed: {plots.error}. {last[0]}".strip(),
            f"See {folder / 'logs' / 'plot' / 'stderr.log'}; fix plot.py in {template.path}.",
        )
    state.record(
        "plots",
        figures=list(plots.figures),
        duration_s=round(plots.duration_s, 2),
        **figure_notes(plots),
    )
    if folder != final:
        _replace_folder(final, folder)
        folder = final
    reporter.emit(
        StageFinished("baseline", str(folder), ok=True, outputs={"figures": list(plots.figures)})
    )
    return BaselineOutcome(folder, info, plots.figures, float(duration), str(used), reused=False)


def _replace_folder(old: Path, new: Path) -> None:
    """Put ``new`` where ``old`` is, with the old one removed only once the new one is in place."""
    aside = old.with_name(old.name + ".old")
    safefs.remove(aside)
    old.rename(aside)
    new.rename(old)
    safefs.remove(aside)


def _record_run(state: State, result: RunResult) -> None:
    common = run_record(result)
    if result.ok:
        info = cast(FinalInfo, result.final_info)  # result.ok: it has one
        state.record(result.run, means=info.means(), **common)
    else:
        state.record(
            result.run,
            status="failed",
            error=result.error,
            timed_out=result.timed_out,
            cancelled=result.cancelled,
            stderr_tail=result.stderr_tail,
            **common,
        )


def baseline_for(template: Template, ctx: Context, *, force: bool = False) -> BaselineOutcome:
    """The baseline a command on ``template`` builds on, run (or reused) with ``ctx``'s settings."""
    s = ctx.settings
    return run_baseline(
        template,
        s.results,
        scale=s.scale,
        timeout_s=s.timeout_s,
        sandbox=s.sandbox,
        gpu=s.gpus[0] if s.gpus else None,
        force=force,
        reporter=ctx.reporter,
        cancel=ctx.cancel,
        executor=ctx.executor,
    )
