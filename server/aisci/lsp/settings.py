"""The client's settings (section ``aiScientist``) as core ``Settings``.

Contract: ``ClientSettings`` holds the raw values the client sent, merged key by key
(``merge`` refuses a bad value with a ``ConfigError`` naming the key and keeps the rest);
``to_settings(root, overrides)`` builds the validated core ``Settings`` for one command, with
the results folder at ``<root>/results``. API keys never come from here: a client-sent
``apiKey`` is dropped with a warning (they are read from the server's environment).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aisci.errors import ConfigError

log = logging.getLogger(__name__)
SECTION = "aiScientist"

_CHOICES = {
    "engine": ("semanticscholar", "openalex", "arxiv", "local"),
    "scale": ("smoke", "cpu", "full"),
    "autonomy": ("full", "review-edits"),
    "scientist": ("auto", "llm", "sweep"),
    "sandbox": ("auto", "bwrap", "none"),
    "executor": ("local", "ray"),
    "search": ("linear", "tree"),
}
_NULLABLE_TEXT = ("model", "apiBase", "apiKeyEnv", "rayAddress")
_POSITIVE_INT = ("maxRuns", "maxIters", "numIdeas", "maxNodes")
_COUNT = ("seeds", "debugDepth")  # 0 allowed: no seed re-runs, no debugging
_NUMBER = ("timeout", "maxCost")
KEYS = tuple(_CHOICES) + _NULLABLE_TEXT + _POSITIVE_INT + _COUNT + _NUMBER
DEFAULTS: dict[str, Any] = {
    "autonomy": "review-edits",
    "engine": "semanticscholar",
    "scientist": "auto",
    "sandbox": "auto",
    "timeout": 7200.0,
    "maxCost": None,
    "maxRuns": 5,
    "maxIters": 4,
    "numIdeas": 2,
    "model": None,
    "apiBase": None,
    "apiKeyEnv": None,
    "executor": "local",
    "rayAddress": None,
    "search": "linear",
    "maxNodes": 8,
    "seeds": 3,
    "debugDepth": 3,
}


def check_value(key: str, value: Any) -> Any:
    """The value, checked; a ConfigError says what was expected and what was found."""
    if key == "scale" and value in (None, "", "auto"):
        return None  # the machine's default: full with an NVIDIA GPU, else cpu
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise ConfigError(
                f"Setting aiScientist.{key} is {value!r}: expected one of {', '.join(_CHOICES[key])}.",
                f"Change aiScientist.{key} in the settings.",
            )
        return value
    if key in _NULLABLE_TEXT:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ConfigError(
                f"Setting aiScientist.{key} must be text, found {type(value).__name__}.",
                f"Change aiScientist.{key} in the settings.",
            )
        return value.strip()
    if key in _POSITIVE_INT:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or int(value) != value
            or value < 1
        ):
            raise ConfigError(
                f"Setting aiScientist.{key} must be a whole number of at least 1, found {value!r}.",
                f"Change aiScientist.{key} in the settings.",
            )
        return int(value)
    if key in _COUNT:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or int(value) != value
            or value < 0
        ):
            raise ConfigError(
                f"Setting aiScientist.{key} must be a whole number of at least 0, found {value!r}.",
                f"Change aiScientist.{key} in the settings.",
            )
        return int(value)
    if key in _NUMBER:
        if value is None and key == "maxCost":
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ConfigError(
                f"Setting aiScientist.{key} must be a finite number above 0, found {value!r}.",
                f"Change aiScientist.{key} in the settings.",
            )
        return float(value)
    raise ConfigError(f"Unknown setting aiScientist.{key}.", f"Known settings: {', '.join(KEYS)}.")


def section_of(payload: Any) -> dict[str, Any]:
    """The ``aiScientist`` section of initializationOptions or didChangeConfiguration settings."""
    if not isinstance(payload, dict):
        return {}
    inner = payload.get(SECTION)
    if isinstance(inner, dict):
        return inner
    return {k: v for k, v in payload.items() if k in KEYS or k == "apiKey"}


@dataclass
class ClientSettings:
    values: dict[str, Any] = field(default_factory=dict)

    def merge(self, section: dict[str, Any]) -> list[str]:
        """Take every good value of ``section``; returns one message per refused key."""
        problems = []
        for key, value in section.items():
            if key == "apiKey":
                problems.append(
                    "aiScientist.apiKey is ignored: API keys are read only from the server's "
                    "environment (e.g. OPENAI_API_KEY). Set it there and restart the server."
                )
                continue
            try:
                self.values[key] = check_value(key, value)
            except ConfigError as e:
                problems.append(str(e))
        return problems

    def to_settings(self, root: Path, overrides: dict[str, Any] | None = None):
        from aisci.core.baseline import default_scale
        from aisci.core.context import Settings

        values = {**DEFAULTS, **self.values}
        for key, value in (overrides or {}).items():
            values[key] = check_value(key, value)
        return Settings(
            results=Path(root) / "results",
            scale=values.get("scale") or default_scale(),
            timeout_s=values["timeout"],
            sandbox=values["sandbox"],
            autonomy=values["autonomy"],
            scientist=values["scientist"],
            model=values["model"],
            api_base=values["apiBase"],
            api_key_env=values["apiKeyEnv"],
            max_cost_usd=values["maxCost"],
            num_ideas=values["numIdeas"],
            engine=values["engine"],
            max_runs=values["maxRuns"],
            max_iters=values["maxIters"],
            executor=values["executor"],
            ray_address=values["rayAddress"] or "auto",
            search=values["search"],
            max_nodes=values["maxNodes"],
            seeds=values["seeds"],
            debug_depth=values["debugDepth"],
        ).validate()
