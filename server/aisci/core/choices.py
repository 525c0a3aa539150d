"""The values a setting may take, and the check that refuses any other (``Settings.validate``).

Contract: the choice tuples core/settings.py's fields declare and re-export, and ``check``,
which raises a ``ConfigError`` naming the setting and the values it takes. Imports nothing
heavier than errors, so the CLI can read it at every start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aisci.errors import ConfigError

if TYPE_CHECKING:  # a type only: settings.py imports this module
    from aisci.core.settings import Settings

# The original's --engine names (literature/ spells its backends its own way).
ENGINES = ("semanticscholar", "openalex", "arxiv", "local")
SCALES = ("smoke", "cpu", "full")
AUTONOMY = ("full", "review-edits")
SCIENTISTS = ("auto", "llm", "sweep")
SEARCHES = ("linear", "tree")
# The provider's JSON-schema mode: auto (where litellm knows the model takes one), on, off.
STRUCTURED_OUTPUT = ("auto", "on", "off")
# None as a front end's scale: the machine's (core.baseline.default_scale: full with an NVIDIA
# GPU, else cpu), in the terminal without --scale as in the editor.
MACHINE_SCALE = None


def check(settings: Settings) -> None:
    """Refuse values no front end should give (Settings.validate)."""
    if settings.autonomy not in AUTONOMY:
        raise ConfigError(
            f"Unknown autonomy {settings.autonomy!r}.", f"Use one of: {', '.join(AUTONOMY)}."
        )
    if settings.scientist not in SCIENTISTS:
        raise ConfigError(f"Unknown scientist {settings.scientist!r}.", "Use llm, sweep or auto.")
    if settings.search not in SEARCHES:
        raise ConfigError(
            f"Unknown search {settings.search!r}.", f"Use one of: {', '.join(SEARCHES)}."
        )
    if settings.structured_output not in STRUCTURED_OUTPUT:
        raise ConfigError(
            f"Unknown structured output mode {settings.structured_output!r}.",
            f"Use one of: {', '.join(STRUCTURED_OUTPUT)}.",
        )
    if not settings.retry_budget_s > 0:
        raise ConfigError(
            f"--retry-budget must be a number of seconds above 0, found {settings.retry_budget_s}."
        )
    if settings.seeds < 0 or settings.debug_depth < 0:
        raise ConfigError("--seeds and --debug-depth must be 0 or more.")
    for name in ("max_runs", "max_iters", "num_ideas", "parallel", "max_nodes"):
        if getattr(settings, name) < 1:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be at least 1, found {getattr(settings, name)}."
            )
