"""What every stage needs besides its inputs: settings, the reporter, the proposal reviewer,
and the cancel event. Front ends build one ``Context`` per command."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from aisci.core.events import NullReporter, Reporter
from aisci.core.proposals import AcceptAll, ProposalReviewer
from aisci.errors import AisciError, ConfigError
from aisci.execution.executor import Executor, LocalExecutor

AUTONOMY = ("full", "review-edits")
SEARCHES = ("linear", "tree")


@dataclass(frozen=True)
class Settings:
    results: Path = Path("results")
    scale: str = "cpu"
    timeout_s: float = 7200.0
    sandbox: str = "auto"
    gpus: tuple[str, ...] = ()
    autonomy: str = "full"
    scientist: str = "auto"  # "llm", "sweep" or "auto" (llm when a model is set)
    model: str | None = None
    api_base: str | None = None
    api_key_env: str | None = None  # the variable whose key may go to api_base
    max_cost_usd: float | None = None
    record: Path | None = None
    replay: Path | None = None
    num_ideas: int = 2
    num_reflections: int = 3
    novelty_rounds: int = 5
    engine: str = "semanticscholar"  # first literature backend (the original's --engine)
    max_runs: int = 5
    max_iters: int = 4
    plot_timeout_s: float = 600.0
    writeup: bool = True
    writeup_fix_rounds: int = 3
    num_reviews: int = 1
    review_fewshot: bool = False  # few-shot review examples cost tokens: off by default
    citation_rounds: int = 3
    review_reflections: int = 1
    improvement: bool = False
    parallel: int = 1
    executor: str = "local"  # where runs execute: "local" or "ray" (front ends open it)
    ray_address: str = "auto"
    search: str = "linear"  # "linear" (the original's loop) or "tree" (docs/search.md)
    max_nodes: int = 8  # tree: nodes that run code, besides the baseline and the seeds
    debug_depth: int = 3  # tree: debug steps in a row below a failed node
    seeds: int = 3  # tree: re-runs of the best node with AISCI_SEED=1..N (0: none)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def validate(self) -> Settings:
        if self.autonomy not in AUTONOMY:
            raise ConfigError(
                f"Unknown autonomy {self.autonomy!r}.", f"Use one of: {', '.join(AUTONOMY)}."
            )
        if self.scientist not in ("auto", "llm", "sweep"):
            raise ConfigError(f"Unknown scientist {self.scientist!r}.", "Use llm, sweep or auto.")
        if self.search not in SEARCHES:
            raise ConfigError(
                f"Unknown search {self.search!r}.", f"Use one of: {', '.join(SEARCHES)}."
            )
        if self.seeds < 0 or self.debug_depth < 0:
            raise ConfigError("--seeds and --debug-depth must be 0 or more.")
        for name in ("max_runs", "max_iters", "num_ideas", "parallel", "max_nodes"):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"--{name.replace('_', '-')} must be at least 1, found {getattr(self, name)}."
                )
        return self

    @property
    def scientist_kind(self) -> str:
        if self.scientist != "auto":
            return self.scientist
        return "llm" if self.model or self.replay else "sweep"


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
