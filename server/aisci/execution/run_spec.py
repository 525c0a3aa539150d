"""What an executor is given: one run (``RunSpec``), where runs go (``ExecutorSettings``, one of
``EXECUTORS``), and the callback it streams progress to.

Plain values, below both executors (execution/executor.py, execution/ray_executor.py), so the
one that chooses between them imports the other without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aisci.execution.progress import Snapshot

# The kinds of ExecutorSettings.kind: this machine, a Ray cluster.
EXECUTORS = ("local", "ray")
# (where the run is, the newest lines of its output)
ProgressCallback = Callable[[str, str], None]
# A running run's own progress (execution/progress.py), about once a second
ReportCallback = Callable[[Snapshot], None]


@dataclass(frozen=True)
class RunSpec:
    folder: Path  # the idea (or baseline) folder on the driver
    run_index: int
    timeout_s: float
    sandbox: str = "auto"
    scale: str | None = None
    gpu: str | None = None
    seed: int | None = (
        None  # AISCI_SEED for the run (a seed re-run of the search); None: the template's own
    )


@dataclass(frozen=True)
class ExecutorSettings:
    kind: str = "local"
    ray_address: str = "auto"  # "auto": the cluster this machine belongs to; "local": a private one
    shared_results: bool = False  # the results folder is on a file system every node shares
    run_cpus: float | None = None  # per run; default: the template's aisci.json, else 1
    run_gpus: float | None = None  # per run; default: the template's aisci.json, else 0
