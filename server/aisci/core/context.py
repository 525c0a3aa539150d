"""What every stage needs besides its inputs: settings, the reporter, the proposal reviewer,
and the cancel event. Front ends build one ``Context`` per command (``Settings`` and their
defaults live in core/settings.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from aisci.core.events import NullReporter, Reporter
from aisci.core.proposals import AcceptAll, ProposalReviewer
from aisci.core.settings import Settings
from aisci.errors import AisciError
from aisci.execution.executor import Executor, LocalExecutor


class Cancelled(AisciError):
    """The user stopped the work; what finished is saved."""

    def __init__(self, what: str = "The work"):
        super().__init__(
            f"{what} was cancelled; everything that finished is saved.",
            "Run the same command again (with --resume for a launch) to continue.",
        )


@dataclass
class Context:
    settings: Settings = field(default_factory=Settings)
    reporter: Reporter = field(default_factory=NullReporter)
    reviewer: ProposalReviewer = field(default_factory=AcceptAll)
    cancel: threading.Event = field(default_factory=threading.Event)
    gpu: str | None = None  # the GPU this worker owns, when running ideas in parallel
    executor: Executor = field(default_factory=LocalExecutor)  # where runs execute

    def check_cancelled(self, what: str = "The work") -> None:
        if self.cancel.is_set():
            raise Cancelled(what)

    def for_worker(self, gpu: str | None) -> Context:
        return Context(self.settings, self.reporter, self.reviewer, self.cancel, gpu, self.executor)
