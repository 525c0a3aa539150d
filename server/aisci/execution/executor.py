"""Where runs execute: one small protocol, two implementations (this machine, a Ray cluster).

Decisions, model calls and aider edits stay with the driver (the process that launched); only
runs travel. An executor takes a ``RunSpec`` (the idea folder on the driver, the run's index,
its limits), runs it behind the same boundary wherever it goes, streams where it runs and the
tail of its logs to ``on_progress`` (and, on this machine, the run's own progress report to
``on_report``, execution/progress.py), honours ``cancel``, and leaves the run's results in the
idea folder on the driver, written with the same link-safe, atomic code whatever ran them.
It returns the ``RunResult``; a failing run is a result, never an exception.

``LocalExecutor`` runs on this machine (the thread pool of ``--parallel`` decides how many at
once). ``RayExecutor`` (execution/ray_executor.py) sends each run to a Ray cluster as a task.
The values they are given are in execution/run_spec.py.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

from aisci.errors import ConfigError
from aisci.execution.progress import ProgressWatch
from aisci.execution.ray_executor import RayExecutor
from aisci.execution.run_spec import (
    EXECUTORS,
    ExecutorSettings,
    ProgressCallback,
    ReportCallback,
    RunSpec,
)
from aisci.execution.runner import RunResult, run_experiment

__all__ = ["EXECUTORS", "Executor", "ExecutorSettings", "LocalExecutor", "RunSpec", "make_executor"]


class Executor(Protocol):
    name: str

    def run(
        self,
        spec: RunSpec,
        *,
        cancel: threading.Event | None = None,
        on_progress: ProgressCallback | None = None,
        on_report: ReportCallback | None = None,
    ) -> RunResult: ...

    def close(self) -> None: ...


class LocalExecutor:
    """Runs on this machine, in this machine's sandbox."""

    name = "local"

    def run(
        self,
        spec: RunSpec,
        *,
        cancel: threading.Event | None = None,
        on_progress: ProgressCallback | None = None,
        on_report: ReportCallback | None = None,
    ) -> RunResult:
        folder = Path(spec.folder).resolve()
        watches: list[ProgressWatch] = []

        def started(_pid: int) -> None:
            # Only now is the run folder the fresh one (an earlier attempt's report is gone),
            # and its logs exist: a view that lists runs then shows this one running.
            if on_progress:
                on_progress("this machine", "")
            if on_report is not None:
                run_dir = folder / f"run_{spec.run_index}"
                watches.append(ProgressWatch(run_dir, folder, on_report).start())

        try:
            return run_experiment(
                folder,
                spec.run_index,
                timeout_s=spec.timeout_s,
                sandbox=spec.sandbox,
                scale=spec.scale,
                gpu=spec.gpu,
                cancel=cancel,
                seed=spec.seed,
                on_start=started,
            )
        finally:
            for watch in watches:
                watch.stop()

    def close(self) -> None:
        pass


def make_executor(settings: ExecutorSettings) -> Executor:
    """The executor ``settings`` ask for, connected: a cluster that cannot be reached fails here,
    before any model call."""
    if settings.kind == "local":
        return LocalExecutor()
    if settings.kind == "ray":
        return RayExecutor(settings)
    raise ConfigError(
        f"Unknown executor {settings.kind!r}.", f"Use one of: {', '.join(EXECUTORS)}."
    )
