"""One run through the executor, with its events: started, placed (where it runs), finished.

The experiment stage and the baseline both run code this way, so a run reads the same in the
terminal, the editor and the state whether it ran here or on a cluster node.
"""

from __future__ import annotations

import threading

from aisci.core.events import Reporter, RunFinished, RunPlaced, RunProgress, RunStarted
from aisci.execution import sandbox as sandboxes
from aisci.execution.executor import Executor, RunSpec
from aisci.execution.progress import Snapshot
from aisci.execution.runner import RunResult


def execute_run(
    executor: Executor, spec: RunSpec, reporter: Reporter, cancel: threading.Event | None = None
) -> RunResult:
    folder, run = str(spec.folder), f"run_{spec.run_index}"
    # Here the sandbox is checked before the run; on a cluster each worker checks its own.
    sandbox = sandboxes.resolve(spec.sandbox) if executor.name == "local" else spec.sandbox
    reporter.emit(RunStarted(folder, run, spec.timeout_s, sandbox))
    placed: list[str] = []

    def on_progress(where: str, tail: str) -> None:
        if not placed or placed[-1] != where or tail:
            placed.append(where)
            reporter.emit(RunPlaced(folder, run, where, tail))

    def on_report(snapshot: Snapshot) -> None:
        reporter.emit(RunProgress(folder, run, snapshot))

    result = executor.run(spec, cancel=cancel, on_progress=on_progress, on_report=on_report)
    reporter.emit(
        RunFinished(
            folder,
            run,
            result.ok,
            result.duration_s,
            result.exit_code,
            result.summary(),
            result.final_info.means() if result.final_info else {},
            where=result.node,
        )
    )
    return result


def run_record(result: RunResult) -> dict:
    """What the state records of any run besides its outcome: how long, behind what, where."""
    record = {
        "exit_code": result.exit_code,
        "duration_s": round(result.duration_s, 2),
        "sandbox": result.sandbox,
        "boundary": result.boundary.to_dict() if result.boundary else None,
    }
    if result.node:
        record["node"] = result.node
    return record
