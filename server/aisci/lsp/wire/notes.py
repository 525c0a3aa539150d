"""The ``aisci/*`` notifications (docs/lsp.md §3): one frozen dataclass per method, registered in
``NOTIFICATIONS``.

A sender builds the dataclass and hands it to ``Bridge.send`` (lsp/jobs.py), which takes the
method from the type (``method_of``) and the params from ``to_wire``: no sender names a method
or builds the params' dict itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aisci.lsp.wire.base import OMIT, Json, Means, Omit


@dataclass(frozen=True)
class JobStarted:
    job: str
    command: str
    folder: str | None
    token: str | None  # null: the client has no work-done progress


@dataclass(frozen=True)
class JobFinished:
    job: str
    command: str
    ok: bool  # the result's ok; false for an error response
    cancelled: bool
    message: str  # "done", "failed" or "cancelled"


@dataclass(frozen=True)
class StageChanged:
    stage: str
    folder: str | None
    state: str  # "started", "finished" or "failed"
    message: str
    outputs: dict[str, Json]  # what the stage made (paths, counts), as its result holds it
    job: str


@dataclass(frozen=True)
class LogMessage:
    level: str  # "info", "warning" or "error"
    message: str
    folder: str | None
    job: str


@dataclass(frozen=True)
class RunPlaced:
    folder: str
    run: str
    where: str  # the cluster node: "3fa2c1d0 (gpu-07)"


@dataclass(frozen=True)
class RunFinished:
    folder: str
    run: str
    ok: bool
    duration_s: float | None
    exit_code: int | None  # null from the watcher, which did not run it
    message: str
    means: Means
    source: str  # "job", or "watcher" for a run another process finished
    where: str | Omit | None = OMIT  # left out by the watcher, which does not know


@dataclass(frozen=True)
class IdeasChanged:
    template: str  # the template's name
    path: str
    source: str  # "job" or "watcher"


@dataclass(frozen=True)
class ProposalReady:
    id: str
    folder: str
    file: str
    uri: str
    description: str
    stage: str
    diff: str
    job: str


@dataclass(frozen=True)
class ProposalDecided:
    id: str
    folder: str
    file: str
    action: str  # "accept", "edit" or "reject"
    reason: str | None


@dataclass(frozen=True)
class BuildProblem:
    message: str
    file: str  # absolute path of the file it is in
    line: int | None  # 1-based; null when the log names none


@dataclass(frozen=True)
class PreviewReady:
    folder: str  # the folder holding latex/
    tex: str
    # The PDF of record (lsp/pdf_record.py): this build's when it worked, else the newest good
    # one, which a failed build leaves as it was; null when there is none.
    pdf: str | None
    ok: bool  # whether this build worked
    diagnostics: int
    errors: int
    duration_s: float | None
    built_at: float | None  # when ``pdf`` was built, seconds since the epoch
    stale: bool  # a source was written after ``pdf`` was built ("older than the source")
    first_error: BuildProblem | None  # of this build, for the preview's banner
    # TeX programs not on the server's PATH, each named once per server session (a notification).
    missing: list[str]
    install: str | None  # the command that installs them; null when none is missing
    # Sent by the preview's own build (null when it worked); left out after a paper stage.
    error: str | Omit | None = OMIT


@dataclass(frozen=True)
class CostUpdated:
    total_usd: float | None
    unknown: bool
    by_stage: dict[str, float | None]
    tokens_in: int
    tokens_out: int
    folder: str | None
    session_total_usd: float | None
    session_unknown: bool


@dataclass(frozen=True)
class TreeChanged:
    folder: str


Notification = (
    JobStarted
    | JobFinished
    | StageChanged
    | LogMessage
    | RunPlaced
    | RunFinished
    | IdeasChanged
    | ProposalReady
    | ProposalDecided
    | PreviewReady
    | CostUpdated
    | TreeChanged
)

NOTIFICATIONS: dict[str, Any] = {
    "aisci/jobStarted": JobStarted,
    "aisci/jobFinished": JobFinished,
    "aisci/stageChanged": StageChanged,
    "aisci/log": LogMessage,
    "aisci/runPlaced": RunPlaced,
    "aisci/runFinished": RunFinished,
    "aisci/ideasChanged": IdeasChanged,
    "aisci/proposalReady": ProposalReady,
    "aisci/proposalDecided": ProposalDecided,
    "aisci/previewReady": PreviewReady,
    "aisci/costUpdated": CostUpdated,
    "aisci/treeChanged": TreeChanged,
}
_METHODS = {tp: method for method, tp in NOTIFICATIONS.items()}


def method_of(note: Notification) -> str:
    """The method a notification is sent as, by its type."""
    return _METHODS[type(note)]
