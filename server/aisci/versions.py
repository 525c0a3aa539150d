"""aisci's own version, the installed versions of the packages whose internals aisci reaches
into, and how they differ from the versions its tests ran against (lsp/pygls_compat.py,
llm/compat.py).

aisci's version is here, in the lowest layer, so that any module may name it (the literature
search's User-Agent, the language server's ``serverInfo``, ``aisci --version``) without importing
the package above every layer; ``aisci.__version__`` is this value too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__version__ = "0.1.0"  # the one place: pyproject.toml and the wheel read it, package.json matches


def installed(names: Iterable[str]) -> dict[str, str | None]:
    """The installed version of each package; ``None`` where it is not installed."""
    # deferred: importlib.metadata takes ~25 ms to import, and `aisci --help` loads this module for
    # __version__ alone
    from importlib import metadata

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
