"""The installed versions of the packages whose internals aisci reaches into, and how they
differ from the versions its tests ran against (lsp/pygls_compat.py, llm/compat.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import metadata


def installed(names: Iterable[str]) -> dict[str, str | None]:
    """The installed version of each package; ``None`` where it is not installed."""
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def differences(tested: Mapping[str, str], found: Mapping[str, str | None]) -> str | None:
    """What differs from the tested versions, in words; ``None`` when nothing does."""
    differ = [
        f"{name} {found.get(name) or '(not installed)'} where {version} was tested"
        for name, version in tested.items()
        if found.get(name) != version
    ]
    return "; ".join(differ) or None
