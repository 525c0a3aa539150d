"""Typed events the pipeline emits, and the reporter interface front ends implement.

The core never renders anything: the CLI turns events into lines and progress bars, the
language server into work-done progress, notifications and diagnostics.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from aisci.execution.progress import Snapshot


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class StageStarted(Event):
    stage: str
    folder: str | None = None
    message: str = ""


@dataclass(frozen=True)
class StageFinished(Event):
    stage: str
    folder: str | None = None
    ok: bool = True
    message: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress(Event):
    stage: str
    message: str
    percent: float | None = None  # 0..100 when known
    folder: str | None = None


@dataclass(frozen=True)
class RunStarted(Event):
    folder: str
    run: str
    timeout_s: float
    sandbox: str


@dataclass(frozen=True)
class RunPlaced(Event):
    """Where a run executes (this machine, or a cluster node), and the newest lines of its logs."""

    folder: str
    run: str
    where: str
    tail: str = ""


@dataclass(frozen=True)
class RunProgress(Event):
    """A running run, about once a second: elapsed time, the run's own report of its steps
    (``progress.json``, execution/progress.py) with an estimate of the time left, or else the
    last line of its log."""

    folder: str
    run: str
    snapshot: Snapshot


@dataclass(frozen=True)
class RunFinished(Event):
    folder: str
    run: str
    ok: bool
    duration_s: float
    exit_code: int | None
    message: str = ""
    means: dict[str, dict[str, float]] = field(default_factory=dict)
    where: str | None = None


@dataclass(frozen=True)
class Log(Event):
    message: str
    level: str = "info"  # "info", "warning", "error"
    folder: str | None = None


@dataclass(frozen=True)
class RetryWaiting(Event):
    """A model call waits before its next try: the provider rate-limited it (``status`` 429,
    or another caller of the same provider was told to wait), failed it (5xx) or did not
    answer. ``attempt`` is the try that follows the wait."""

    provider: str
    wait_s: float
    attempt: int
    status: int | None = None
    stage: str = ""
    folder: str | None = None
    reason: str = ""  # "rate-limited by openai", "openai failed (503)", ...

    @property
    def message(self) -> str:
        seconds = max(1, round(self.wait_s)) if self.wait_s >= 0.5 else self.wait_s
        wait = f"{seconds} s" if isinstance(seconds, int) else f"{seconds:.1f} s"
        return f"{self.reason or self.provider}, retrying in {wait} (try {self.attempt})"


@dataclass(frozen=True)
class ErrorEvent(Event):
    stage: str
    message: str
    hint: str | None = None
    folder: str | None = None


@dataclass(frozen=True)
class ProposalReady(Event):
    id: str
    folder: str
    file: str
    description: str
    stage: str
    diff: str


@dataclass(frozen=True)
class ProposalDecided(Event):
    id: str
    folder: str
    file: str
    action: str  # "accept", "edit", "reject"
    reason: str | None = None


@dataclass(frozen=True)
class CostUpdated(Event):
    total_usd: float | None  # None when no call had a known price
    by_stage: dict[str, float | None] = field(default_factory=dict)
    tokens_in: int = 0
    tokens_out: int = 0
    folder: str | None = None
    unpriced_calls: int = 0  # calls of unknown price: total_usd is then a lower bound


@dataclass(frozen=True)
class IdeasChanged(Event):
    template: str
    path: str  # the ideas.json that changed


@dataclass(frozen=True)
class PreviewReady(Event):
    folder: str
    pdf: str


class Reporter(Protocol):
    def emit(self, event: Event) -> None: ...


class NullReporter:
    def emit(self, event: Event) -> None:
        pass


class CollectingReporter:
    """Keeps every event; for tests and for front ends that render after the fact."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def of_type(self, kind: type) -> list[Event]:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]
