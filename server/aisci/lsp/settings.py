"""The client's settings (section ``aiScientist``) as core ``Settings``.

Contract: ``TABLE`` names each ``aiScientist.*`` key the server reads, the core ``Settings``
field it sets and the kind of value it takes, all built from the fields' declarations in
core/settings.py, as are the choices and the editor's ``DEFAULTS``. ``ClientSettings`` holds
the raw values the client sent, merged key by key (``merge`` refuses a bad value with a
``ConfigError`` naming the key and keeps the rest); ``merge_folders`` takes the values of each
workspace folder (``{"folders": {uri: section}}`` beside the section), which stand over the
section's in that folder only; ``to_settings(root, overrides)`` builds the validated core
``Settings`` for one command in the workspace folder ``root``, with the results folder at
``<root>/results`` and the root as the workspace (the local corpus is ``<root>/references``).
API keys never come from here: a client-sent ``apiKey`` is dropped with a warning (they are
read from the server's environment).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aisci.core import baseline
from aisci.core.settings import Settings, front_default, options
from aisci.errors import ConfigError
from aisci.lsp.uris import uri_to_path

log = logging.getLogger(__name__)
SECTION = "aiScientist"


@dataclass(frozen=True)
class Key:
    """One ``aiScientist.*`` key as the server checks it: a view of the field's Option."""

    field_name: str  # the core Settings field it sets
    # "choice"; "text" (empty: none); "whole" (an integer from 1); "count" (an integer from 0);
    # "number" (finite, above 0)
    kind: str
    choices: tuple[str, ...] = ()
    none_allowed: bool = False  # a "number" that may be null (maxCost: no cap)


# Every key core/settings.py declares for the editor, in the order of the fields (the order of
# the message that lists the known settings).
TABLE = {
    declared.key: Key(name, declared.kind, declared.choices, declared.none_allowed)
    for name, declared in options().items()
    if declared.key
}
KEYS = tuple(TABLE)
_CORE = Settings()
# The editor's defaults, declared with the fields: the machine's scale (None) and review-edits
# autonomy differ from the core's.
DEFAULTS: dict[str, Any] = {
    key: front_default(spec.field_name, "editor") for key, spec in TABLE.items()
}


def check_value(key: str, value: Any) -> Any:
    """The value, checked; a ConfigError says what was expected and what was found."""
    spec = TABLE.get(key)
    if spec is None:
        raise ConfigError(
            f"Unknown setting aiScientist.{key}.", f"Known settings: {', '.join(KEYS)}."
        )
    if key == "scale" and value in (None, "", "auto"):
        return None  # the machine's default: full with an NVIDIA GPU, else cpu
    change = f"Change aiScientist.{key} in the settings."
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ConfigError(
                f"Setting aiScientist.{key} is {value!r}: expected one of {', '.join(spec.choices)}.",
                change,
            )
        return value
    if spec.kind == "text":
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ConfigError(
                f"Setting aiScientist.{key} must be text, found {type(value).__name__}.", change
            )
        return value.strip()
    if spec.kind in ("whole", "count"):
        least = 1 if spec.kind == "whole" else 0
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or int(value) != value
            or value < least
        ):
            raise ConfigError(
                f"Setting aiScientist.{key} must be a whole number of at least {least}, found {value!r}.",
                change,
            )
        return int(value)
    if value is None and spec.none_allowed:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(
            f"Setting aiScientist.{key} must be a finite number above 0, found {value!r}.", change
        )
    return float(value)


def section_of(payload: Any) -> dict[str, Any]:
    """The ``aiScientist`` section of initializationOptions or didChangeConfiguration settings."""
    if not isinstance(payload, dict):
        return {}
    inner = payload.get(SECTION)
    if isinstance(inner, dict):
        return inner
    return {k: v for k, v in payload.items() if k in KEYS or k == "apiKey"}


def folders_of(payload: Any) -> dict[str, Any] | None:
    """The per-folder sections (``{uri: section}``) beside the section, None when not sent: a
    client that sends none (one folder) leaves the folders' values as they were."""
    folders = payload.get("folders") if isinstance(payload, dict) else None
    return folders if isinstance(folders, dict) else None


@dataclass
class ClientSettings:
    values: dict[str, Any] = field(default_factory=dict)
    # A workspace folder's own values (its .vscode/settings.json), by the folder's resolved path:
    # they stand over ``values`` for the commands on paths inside that folder.
    folders: dict[Path, dict[str, Any]] = field(default_factory=dict)

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

    def merge_folders(self, folders: dict[str, Any]) -> list[str]:
        """Replace every folder's values with those of ``folders`` ({uri: section}); a folder's
        bad value is refused as ``merge`` refuses one (its previous value in that folder stays),
        the message naming the folder. A folder not named has no values of its own any more."""
        problems, kept = [], {}
        for uri, section in folders.items():
            path = uri_to_path(uri) if isinstance(uri, str) else None
            if path is None or not isinstance(section, dict):
                problems.append(
                    f"The settings of workspace folder {uri!r} are ignored: expected a file:// "
                    f"URI with an object of aiScientist settings, found {type(section).__name__}."
                )
                continue
            root = path.resolve()
            previous = self.folders.get(root, {})
            own = ClientSettings({k: v for k, v in previous.items() if k in section})
            problems += [f"Workspace folder {root.name}: {p}" for p in own.merge(section)]
            kept[root] = own.values
        self.folders = kept
        return problems

    def values_for(self, root: Path) -> dict[str, Any]:
        """The values the client sent for the workspace folder ``root`` (its own over the rest)."""
        return {**self.values, **self.folders.get(Path(root), {})}

    def to_settings(self, root: Path, overrides: dict[str, Any] | None = None) -> Settings:
        values = {**DEFAULTS, **self.values_for(root)}
        for key, value in (overrides or {}).items():
            values[key] = check_value(key, value)
        # Looked up on the module at each call, so a test can set the machine's scale there.
        values["scale"] = values["scale"] or baseline.default_scale()
        values["rayAddress"] = values["rayAddress"] or _CORE.ray_address  # empty: auto
        return Settings(
            results=Path(root) / "results",
            workspace=Path(root),
            **{spec.field_name: values[key] for key, spec in TABLE.items()},
        ).validate()
