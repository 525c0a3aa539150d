"""The settings of one command: their values, the choices of each, and their defaults.

Contract: the field defaults of ``Settings`` are the one table of defaults, and the tuples
below (``ENGINES``, ``SCALES``, ...) the one list of each choice setting's values. The CLI's
flags (cli/) and the language server's ``aiScientist.*`` settings (lsp/settings.py,
docs/lsp.md §1) take theirs from here; tests/lsp/test_settings_table.py checks the
extension's package.json against them. ``validate()`` refuses values no front end should
give. The CLI reads this module at every start, so it imports nothing heavier than the
execution constants it names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from aisci.errors import ConfigError
from aisci.execution.executor import EXECUTORS
from aisci.execution.runner import DEFAULT_TIMEOUT_S
from aisci.execution.sandbox import MODES as SANDBOXES

# The original's --engine names (literature/ spells its backends its own way).
ENGINES = ("semanticscholar", "openalex", "arxiv", "local")
SCALES = ("smoke", "cpu", "full")
AUTONOMY = ("full", "review-edits")
SCIENTISTS = ("auto", "llm", "sweep")
SEARCHES = ("linear", "tree")
# The provider's JSON-schema mode: auto (where litellm knows the model takes one), on, off.
STRUCTURED_OUTPUT = ("auto", "on", "off")
__all__ = [
    "AUTONOMY",
    "ENGINES",
    "EXECUTORS",
    "SANDBOXES",
    "SCALES",
    "SCIENTISTS",
    "SEARCHES",
    "STRUCTURED_OUTPUT",
    "Settings",
]


@dataclass(frozen=True)
class Settings:
    results: Path = Path("results")
    # The folder the front end works in: its references/ is the local corpus. None: the current
    # directory (the CLI's relative paths mean it); the language server gives its root.
    workspace: Path | None = None
    # Front ends pass the machine's scale (core.baseline.default_scale) when none is chosen.
    scale: str = "cpu"
    timeout_s: float = DEFAULT_TIMEOUT_S
    sandbox: str = "auto"
    gpus: tuple[str, ...] = ()
    # The terminal applies every edit, as the original did; the editor asks (lsp/settings.py).
    autonomy: str = "full"
    scientist: str = "auto"  # "llm", "sweep" or "auto" (llm when a model is set)
    model: str | None = None
    api_base: str | None = None
    api_key_env: str | None = None  # the variable whose key may go to api_base
    max_cost_usd: float | None = None
    # Seconds a model call may keep retrying 429s, 5xx and timeouts (--retry-budget).
    retry_budget_s: float = 120.0
    structured_output: str = "auto"  # the JSON-schema mode: auto, on or off (STRUCTURED_OUTPUT)
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
        if self.scientist not in SCIENTISTS:
            raise ConfigError(f"Unknown scientist {self.scientist!r}.", "Use llm, sweep or auto.")
        if self.search not in SEARCHES:
            raise ConfigError(
                f"Unknown search {self.search!r}.", f"Use one of: {', '.join(SEARCHES)}."
            )
        if self.structured_output not in STRUCTURED_OUTPUT:
            raise ConfigError(
                f"Unknown structured output mode {self.structured_output!r}.",
                f"Use one of: {', '.join(STRUCTURED_OUTPUT)}.",
            )
        if not self.retry_budget_s > 0:
            raise ConfigError(
                f"--retry-budget must be a number of seconds above 0, found {self.retry_budget_s}."
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
